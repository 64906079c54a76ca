/*
 * sigv4_uri.c: RFC 3986 percent-encoding as SigV4 wants it (each byte
 * outside the unreserved set, uppercase hex, '/' kept in paths), and the
 * order of query names and values by their encoded forms.
 */
#include "sigv4_int.h"

#include <stddef.h>

int sigv4_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* Writes the encoded form of c (1 or 3 bytes) to out; returns its length. */
size_t sigv4_encode_byte(unsigned char c, int keep_slash, char *out)
{
    static const char digits[] = "0123456789ABCDEF";

    if (sigv4_is_unreserved(c) || (keep_slash && c == '/')) {
        out[0] = (char)c;
        return 1;
    }
    out[0] = '%';
    out[1] = digits[c >> 4];
    out[2] = digits[c & 0xf];
    return 3;
}

static size_t encode_into(char *out, size_t size, const char *in, size_t len,
                          int keep_slash)
{
    size_t need = 0;

    for (size_t i = 0; i < len; i++) {
        char enc[3];
        size_t n = sigv4_encode_byte((unsigned char)in[i], keep_slash, enc);

        for (size_t j = 0; j < n; j++, need++) {
            if (need + 1 < size)
                out[need] = enc[j];
        }
    }
    if (size > 0)
        out[need < size ? need : size - 1] = '\0';
    return need;
}

size_t sigv4_uri_encode(char *out, size_t size, const char *in, size_t len)
{
    return encode_into(out, size, in, len, 0);
}

size_t sigv4_uri_encode_path(char *out, size_t size, const char *in,
                             size_t len)
{
    if (len == 0)
        return encode_into(out, size, "/", 1, 1);
    return encode_into(out, size, in, len, 1);
}

/*
 * Orders two strings by their encoded forms without building them: query
 * parameters sort on the encoded bytes, and encoding does not preserve
 * order ('~' stays 0x7e while 0xe1 becomes "%E1").
 */
int sigv4_encoded_cmp(const char *a, const char *b)
{
    char ea[3], eb[3];
    size_t na = 0, nb = 0, ia = 0, ib = 0;

    for (;;) {
        if (ia == na && *a != '\0') {
            na = sigv4_encode_byte((unsigned char)*a++, 0, ea);
            ia = 0;
        }
        if (ib == nb && *b != '\0') {
            nb = sigv4_encode_byte((unsigned char)*b++, 0, eb);
            ib = 0;
        }
        if (ia == na || ib == nb)
            return (ib == nb) - (ia == na);
        if (ea[ia] != eb[ib])
            return (int)(unsigned char)ea[ia] - (int)(unsigned char)eb[ib];
        ia++;
        ib++;
    }
}
