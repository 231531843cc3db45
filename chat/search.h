/*
 * search - /last: the lines of the room you are in that contain a text,
 * in any case (chat/match.h), among its latest records.
 *
 * It reads the last N records of each of the room's partitions and keeps
 * the latest N of them all by time (chat/history.h's bookkeeping), with a
 * client of its own that joins no group and commits nothing, as /rooms's
 * does: your place in the room stays where it was. The lines found show
 * as ordinary lines, in time order (the latest SEARCH_SHOWN of them),
 * between a notice of what is searched and one of how much was found.
 */
#ifndef KC_CHAT_SEARCH_H
#define KC_CHAT_SEARCH_H

/* Records searched by default (-n), and at most. */
#define SEARCH_DEFAULT 10000
#define SEARCH_MAX 100000

/* Lines found shown at most (the rest are counted). */
#define SEARCH_SHOWN 1000

struct chat;

/* Shows the lines among the room's last `records` records that contain
 * text, within --timeout (a stop signal cuts it short). */
void search_last(struct chat *c, const char *text, long records);

#endif
