#include "match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "../common/buf.h"
#include "../common/utf8.h"

/* Text decoded and folded: code points, and where each starts in bytes
 * (at[n] is the length). */
struct folded {
        int32_t *cp;
        size_t *at;
        size_t n;
};

static int32_t fold_one(int32_t cp)
{
        return cp < 0 ? UTF8_REPLACEMENT : (int32_t)towlower((wint_t)cp);
}

/* Returns 0, or -1 when out of memory. */
static int fold(const char *text, size_t len, struct folded *f)
{
        const unsigned char *s = (const unsigned char *)text;
        size_t i = 0;

        f->n  = 0;
        f->cp = malloc((len + 1) * sizeof(*f->cp));
        f->at = malloc((len + 1) * sizeof(*f->at));
        if (!f->cp || !f->at)
                return -1;
        while (i < len) {
                int32_t cp;
                size_t step = utf8_next(s + i, len - i, &cp);

                f->cp[f->n] = fold_one(cp);
                f->at[f->n++] = i;
                i += step;
        }
        f->at[f->n] = len;
        return 0;
}

static void unfold(struct folded *f)
{
        free(f->cp);
        free(f->at);
}

enum script { OTHER, HANGUL, HAN_KANA };

static enum script script(int32_t cp)
{
        if ((cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
            (cp >= 0x3130 && cp <= 0x318F))
                return HANGUL;
        if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
            (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF))
                return HAN_KANA;
        return OTHER;
}

/* Letters and digits of any script, and '_'. (In a locale that knows
 * nothing beyond ASCII, every other code point counts as a letter.) */
static int is_word(int32_t cp)
{
        if (cp < 0x80)
                return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
                       (cp >= 'A' && cp <= 'Z') || cp == '_';
        return cp != UTF8_REPLACEMENT && !iswspace((wint_t)cp) && !iswpunct((wint_t)cp);
}

/* Whether a and b, side by side, are in one word. */
static int joined(int32_t a, int32_t b)
{
        return is_word(a) && is_word(b) && script(a) == script(b);
}

/* What may follow a Korean name within its word: an honorific, an 이
 * (민준이), and one particle, each optional. */
static const wchar_t *const honorifics[] = {L"", L"님", L"씨"};
static const wchar_t *const particles[] = {
        L"",   L"아", L"야",   L"여",   L"이",   L"가", L"은", L"는", L"을",   L"를",
        L"의", L"에", L"에게", L"께",   L"께서", L"한테", L"도", L"만", L"와", L"과",
        L"랑", L"하고", L"요",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whether cp[0..n) is exactly prefix then rest. */
static int spells(const int32_t *cp, size_t n, const wchar_t *prefix, const wchar_t *rest)
{
        size_t a = wcslen(prefix), b = wcslen(rest);

        if (a + b != n)
                return 0;
        for (size_t i = 0; i < a; i++)
                if (cp[i] != (int32_t)prefix[i])
                        return 0;
        for (size_t i = 0; i < b; i++)
                if (cp[a + i] != (int32_t)rest[i])
                        return 0;
        return 1;
}

/* Whether the rest of the word from j is what may follow a Korean name. */
static int korean_tail(const struct folded *f, size_t j)
{
        size_t end = j, n;

        while (end < f->n && joined(f->cp[end - 1], f->cp[end]))
                end++;
        for (size_t h = 0; h < COUNT(honorifics); h++) {
                size_t skip = wcslen(honorifics[h]);

                if (!spells(f->cp + j, skip, honorifics[h], L""))
                        continue;
                n = end - j - skip;
                for (size_t p = 0; p < COUNT(particles); p++)
                        if (spells(f->cp + j + skip, n, L"", particles[p]) ||
                            spells(f->cp + j + skip, n, L"이", particles[p]))
                                return 1;
        }
        return 0;
}

/* Whether f has word w (m code points) as a whole word at i. */
static int whole_word_at(const struct folded *f, size_t i, const int32_t *w, size_t m)
{
        size_t j = i + m;

        if (m == 0 || j > f->n || memcmp(f->cp + i, w, m * sizeof(*w)) != 0)
                return 0;
        if (i > 0 && joined(f->cp[i - 1], f->cp[i]))
                return 0;
        return j == f->n || !joined(f->cp[j - 1], f->cp[j]) ||
               (script(f->cp[j - 1]) == HANGUL && korean_tail(f, j));
}

size_t match_words(const char *text, size_t len, const char *const *words, size_t nwords,
                   struct display_span *spans, size_t max)
{
        struct folded f = {0}, *w = calloc(nwords ? nwords : 1, sizeof(*w));
        size_t found = 0;

        if (!w || fold(text, len, &f) == -1)
                goto out;
        for (size_t k = 0; k < nwords; k++)
                if (fold(words[k], strlen(words[k]), &w[k]) == -1)
                        goto out;
        for (size_t i = 0; i < f.n && found < max; i++) {
                size_t longest = 0;

                for (size_t k = 0; k < nwords; k++)
                        if (w[k].n > longest && whole_word_at(&f, i, w[k].cp, w[k].n))
                                longest = w[k].n;
                if (longest) {
                        spans[found++] = (struct display_span){f.at[i], f.at[i + longest]};
                        i += longest - 1;
                }
        }
out:
        for (size_t k = 0; w && k < nwords; k++)
                unfold(&w[k]);
        free(w);
        unfold(&f);
        return found;
}

/* Appends text folded, as UTF-8. Returns 0, or -1 when out of memory. */
static int fold_text(struct buf *out, const char *text, size_t len)
{
        const unsigned char *s = (const unsigned char *)text;

        for (size_t i = 0; i < len;) {
                int32_t cp;

                i += utf8_next(s + i, len - i, &cp);
                if (utf8_append(out, fold_one(cp)) == -1)
                        return -1;
        }
        return 0;
}

int match_contains(const char *text, size_t len, const char *needle)
{
        struct buf hay = BUF_INIT, pin = BUF_INIT;
        int found = -1;

        if (fold_text(&hay, text, len) == 0 && fold_text(&pin, needle, strlen(needle)) == 0)
                found = pin.len == 0 || (hay.len && memmem(hay.data, hay.len, pin.data, pin.len));
        buf_free(&hay);
        buf_free(&pin);
        return found;
}
