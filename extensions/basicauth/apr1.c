/*
 * apr1.c: Apache's $apr1$ password hash (MD5-crypt with its own magic),
 * which libcrypt does not know. The algorithm is Poul-Henning Kamp's
 * md5crypt; digests through OpenSSL's EVP.
 */
#include <string.h>

#include <openssl/evp.h>

#include "htpasswd.h"

#define MAGIC "$apr1$"

static const char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int md5_of(EVP_MD_CTX *c, const void *const *parts, const size_t *lens, size_t n,
                  unsigned char out[16])
{
    int ok = EVP_DigestInit_ex(c, EVP_md5(), NULL);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate(c, parts[i], lens[i]);
    return ok && EVP_DigestFinal_ex(c, out, NULL) ? 0 : -1;
}

/* The first digest: password, magic, salt, then the alternate digest's
 * bytes and the bit pattern of the password's length. */
static int first_round(EVP_MD_CTX *c, const char *pw, size_t pl, const char *salt, size_t sl,
                       unsigned char fin[16])
{
    unsigned char alt[16];
    const void *ap[] = {pw, salt, pw};
    const size_t al[] = {pl, sl, pl};
    if (md5_of(c, ap, al, 3, alt) != 0 || !EVP_DigestInit_ex(c, EVP_md5(), NULL))
        return -1;
    int ok = EVP_DigestUpdate(c, pw, pl) && EVP_DigestUpdate(c, MAGIC, strlen(MAGIC)) &&
             EVP_DigestUpdate(c, salt, sl);
    for (size_t left = pl; ok && left > 0; left -= left > 16 ? 16 : left)
        ok = EVP_DigestUpdate(c, alt, left > 16 ? 16 : left);
    for (size_t i = pl; ok && i; i >>= 1)
        ok = EVP_DigestUpdate(c, (i & 1) ? "" : pw, 1);
    return ok && EVP_DigestFinal_ex(c, fin, NULL) ? 0 : -1;
}

static void put(const void **p, size_t *l, size_t *n, const void *part, size_t len)
{
    p[*n] = part;
    l[(*n)++] = len;
}

/* The thousand rounds that make it slow. */
static int stretch(EVP_MD_CTX *c, const char *pw, size_t pl, const char *salt, size_t sl,
                   unsigned char fin[16])
{
    for (int i = 0; i < 1000; i++) {
        const void *p[4];
        size_t l[4], n = 0;
        if (i & 1)
            put(p, l, &n, pw, pl);
        else
            put(p, l, &n, fin, 16);
        if (i % 3)
            put(p, l, &n, salt, sl);
        if (i % 7)
            put(p, l, &n, pw, pl);
        if (i & 1)
            put(p, l, &n, fin, 16);
        else
            put(p, l, &n, pw, pl);
        if (md5_of(c, p, l, n, fin) != 0)
            return -1;
    }
    return 0;
}

static void to64(char **out, unsigned v, int n)
{
    while (n-- > 0) {
        *(*out)++ = itoa64[v & 0x3f];
        v >>= 6;
    }
}

static void encode(const unsigned char f[16], char out[23])
{
    static const int order[5][3] = {{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}};
    char *o = out;
    for (int i = 0; i < 5; i++)
        to64(&o, (unsigned)f[order[i][0]] << 16 | (unsigned)f[order[i][1]] << 8 | f[order[i][2]],
             4);
    to64(&o, f[11], 2);
    *o = 0;
}

int hp_apr1(const char *password, size_t plen, const char *salt, size_t slen, char out[23])
{
    unsigned char fin[16];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (slen > 8)
        slen = 8;
    int rc = c ? first_round(c, password, plen, salt, slen, fin) : -1;
    if (rc == 0)
        rc = stretch(c, password, plen, salt, slen, fin);
    EVP_MD_CTX_free(c);
    if (rc == 0)
        encode(fin, out);
    return rc;
}
