#include "color.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* terminfo (ncurses' libtinfo). Its header defines a macro for every
 * capability (bell, lines, columns ...): this file names none of them. */
#include <term.h>

/* Hues around the circle, each of middle lightness: contrast of 3.5 or
 * more against black and against white (tests/unit/test_color.c). */
const struct color color_palette[COLOR_PALETTE_SIZE] = {
        {160, 31}, /* red         #d70000 */
        {166, 33}, /* orange      #d75f00 */
        {100, 33}, /* olive       #878700 */
        {28, 32},  /* green       #008700 */
        {29, 32},  /* jade        #00875f */
        {30, 36},  /* teal        #008787 */
        {32, 36},  /* azure       #0087d7 */
        {27, 34},  /* blue        #005fff */
        {98, 34},  /* purple      #875fd7 */
        {129, 35}, /* violet      #af00ff */
        {163, 35}, /* magenta     #d700af */
        {161, 31}, /* crimson     #d7005f */
};

/* The other styles: on 256 colours, and on 8 (each an SGR parameter
 * list). Grey 244 (#808080) reads on both backgrounds; on 8 colours the
 * notices are bold instead, as no basic colour reads on both. */
static const struct {
        const char *xterm, *basic;
} styles[] = {
        [STYLE_NOTICE]    = {"38;5;244", "1"},
        [STYLE_FRIEND]    = {"4", "4"},
        [STYLE_DELIVERED] = {"38;5;28", "32"},
        [STYLE_FAILED]    = {"38;5;160", "31"},
        [STYLE_MENTION]   = {"1", "1"},
        [STYLE_MATCH]     = {"1;7", "1;7"},
};

uint32_t color_hash(const char *name, size_t len)
{
        uint32_t h = 2166136261u; /* FNV-1a's offset basis */

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)name[i];
                h *= 16777619u; /* its prime */
        }
        return h;
}

const struct color *color_of_name(const char *name, size_t len)
{
        return &color_palette[color_hash(name, len) % COLOR_PALETTE_SIZE];
}

int color_choose(enum color_mode mode, int tty, const char *no_color, int term_colors)
{
        if (mode == COLOR_NEVER)
                return 0;
        if (mode == COLOR_AUTO && (!tty || (no_color && *no_color) || term_colors < 8))
                return 0;
        /* Asked for always: what TERM has, or else the 8 every colour
         * terminal has. */
        return term_colors >= 256 ? 256 : 8;
}

int color_terminal(int fd)
{
        int err, colors;

        if (!getenv("TERM") || setupterm(NULL, fd, &err) != 0 /* OK */)
                return -1;
        colors = tigetnum("colors"); /* -1: absent, -2: not a number */
        del_curterm(cur_term);       /* readline reads it again its own way */
        return colors;
}

int color_decide(enum color_mode mode, int fd)
{
        if (mode == COLOR_NEVER)
                return 0; /* not even a look at terminfo */
        return color_choose(mode, isatty(fd), getenv("NO_COLOR"), color_terminal(fd));
}

const char *color_style_sgr(enum color_style style, int colors, char buf[COLOR_SGR_MAX])
{
        snprintf(buf, COLOR_SGR_MAX, "\x1b[%sm",
                 colors >= 256 ? styles[style].xterm : styles[style].basic);
        return buf;
}

const char *color_name_sgr(const char *name, size_t len, int own, int colors,
                           char buf[COLOR_SGR_MAX])
{
        const struct color *c = color_of_name(name, len);

        if (colors >= 256)
                snprintf(buf, COLOR_SGR_MAX, "\x1b[%s38;5;%um", own ? "1;" : "", c->xterm);
        else
                snprintf(buf, COLOR_SGR_MAX, "\x1b[%s%um", own ? "1;" : "", c->basic);
        return buf;
}
