/*
 * color - the chat's colours: whether to use any (--color, NO_COLOR, the
 * terminal's capabilities), each sender's colour, and the styles of the
 * lines the programs write.
 *
 * A sender's colour comes from the name alone: a hash of its bytes picks
 * one of a fixed palette, so a name has the same colour in every window and
 * every run. The palette holds twelve colours of xterm's 256, each of
 * middle lightness, so that it reads on dark and on light backgrounds
 * alike (a unit test checks the contrast on black and on white); on a
 * terminal of 8 colours each falls back to the nearest basic one.
 */
#ifndef KC_COLOR_H
#define KC_COLOR_H

#include <stddef.h>
#include <stdint.h>

/* --color WHEN. */
enum color_mode {
        COLOR_AUTO,   /* on a terminal whose TERM has colours, unless NO_COLOR */
        COLOR_ALWAYS, /* also into pipes and files, and despite NO_COLOR */
        COLOR_NEVER,
};

#define COLOR_PALETTE_SIZE 12

/* A colour: its number among xterm's 256, and the nearest of the 8 basic
 * ones (SGR 30-37) for terminals that have no more. */
struct color {
        unsigned char xterm;
        unsigned char basic;
};

/* The palette, COLOR_PALETTE_SIZE colours. */
extern const struct color color_palette[COLOR_PALETTE_SIZE];

/* FNV-1a (32 bits) of the name's bytes: small, well known, and the same
 * on every machine and in every run. */
uint32_t color_hash(const char *name, size_t len);

/* The palette's colour of a sender's name. */
const struct color *color_of_name(const char *name, size_t len);

/* How many colours to use, 0 for none, from what a program knows:
 * --color's mode, whether the output is a terminal, NO_COLOR's value (NULL
 * when unset; set and not empty turns colours off, https://no-color.org),
 * and TERM's colours (terminfo's "colors", below 8 or negative: none or
 * unknown). Returns 0, 8 or 256. */
int color_choose(enum color_mode mode, int tty, const char *no_color, int term_colors);

/* The colours of TERM, from its terminfo entry: -1 when it is unset or
 * unknown. */
int color_terminal(int fd);

/* color_choose() for the descriptor fd, from the environment. */
int color_decide(enum color_mode mode, int fd);

/* The styles of our text. */
enum color_style {
        STYLE_NOTICE,    /* what the program says itself, the day line */
        STYLE_FRIEND,    /* the seed's FRIEND: a sender without a name */
        STYLE_DELIVERED, /* your line's mark, ✓ */
        STYLE_FAILED,    /* and ✗ */
        STYLE_MENTION,   /* a message that names you */
        STYLE_MATCH,     /* the words in it that do */
};

/* Room for the longest escape sequence we write, and its NUL. */
#define COLOR_SGR_MAX 24

/* Ends any style. */
#define COLOR_RESET "\x1b[m"

/* The escape sequence that starts a style, or a name's colour (own: in
 * bold), for a terminal of colors colours (8 or 256), into buf. Returns
 * buf. */
const char *color_style_sgr(enum color_style style, int colors, char buf[COLOR_SGR_MAX]);
const char *color_name_sgr(const char *name, size_t len, int own, int colors,
                           char buf[COLOR_SGR_MAX]);

#endif
