# Writes the bytes of IN as a C array NAME (and NAME_len) into OUT.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ui/index.html; do not edit. */\n"
  "const unsigned char ${NAME}[] = {\n${bytes}0};\n"
  "const unsigned long ${NAME}_len = ${len};\n")
