#include "utf8.h"

size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
        unsigned char lead = s[0];
        unsigned char lo = 0x80, hi = 0xBF; /* allowed second byte */
        size_t need, i;
        int32_t v;

        if (lead < 0x80) {
                *cp = lead;
                return 1;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
                need = 1;
                v    = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2;
                v    = lead & 0x0F;
                if (lead == 0xE0)
                        lo = 0xA0; /* overlong */
                else if (lead == 0xED)
                        hi = 0x9F; /* surrogates */
        } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3;
                v    = lead & 0x07;
                if (lead == 0xF0)
                        lo = 0x90; /* overlong */
                else if (lead == 0xF4)
                        hi = 0x8F; /* above U+10FFFF */
        } else {
                *cp = UTF8_INVALID;
                return 1;
        }

        for (i = 1; i <= need; i++) {
                if (i >= n || s[i] < lo || s[i] > hi) {
                        /* The bytes so far are the maximal subpart. */
                        *cp = UTF8_INVALID;
                        return i;
                }
                v  = (v << 6) | (s[i] & 0x3F);
                lo = 0x80;
                hi = 0xBF;
        }
        *cp = v;
        return need + 1;
}

size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
        size_t i = 0;
        int32_t cp;

        while (i < n) {
                size_t step;

                if (s[i] < 0x80) {
                        i++;
                        continue;
                }
                step = utf8_next(s + i, n - i, &cp);
                if (cp == UTF8_INVALID)
                        break;
                i += step;
        }
        return i;
}

size_t utf8_encode(char out[4], int32_t cp)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xC0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xE0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

int utf8_append(struct buf *out, int32_t cp)
{
        char seq[4];

        return buf_append(out, seq, utf8_encode(seq, cp));
}

long utf8_repair(struct buf *out, const unsigned char *s, size_t n)
{
        long replaced = 0;
        size_t i = 0;

        while (i < n) {
                size_t good = utf8_valid_prefix(s + i, n - i);
                int32_t cp;

                if (buf_append(out, s + i, good) == -1)
                        return -1;
                i += good;
                if (i == n)
                        break;
                i += utf8_next(s + i, n - i, &cp);
                if (utf8_append(out, UTF8_REPLACEMENT) == -1)
                        return -1;
                replaced++;
        }
        return replaced;
}
