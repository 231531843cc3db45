/* Unit tests of common/identity, common/passphrase and common/vault: your
 * key files, the pins, key files' first lines, and what an encrypted room
 * shows of each record (opened, forged, replayed, signed by another key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../common/identity.h"
#include "../../common/passphrase.h"
#include "../../common/vault.h"

/* What was said, one line each. */
static char said[8192];
static int said_count;

static void hear(void *ctx, enum diag_level level, const char *text)
{
        (void)ctx;
        (void)level;
        snprintf(said + strlen(said), sizeof(said) - strlen(said), "%s\n", text);
        said_count++;
}

static const struct voice ears = {hear, NULL};

static void forget(void)
{
        said[0]    = '\0';
        said_count = 0;
}

static char home[64];

/* A data folder of our own for each test. */
static int fresh_home(void **state)
{
        (void)state;
        snprintf(home, sizeof(home), "/tmp/kc-vault-XXXXXX");
        if (!mkdtemp(home) || setenv("XDG_DATA_HOME", home, 1) || seal_init())
                return -1;
        forget();
        return 0;
}

static int remove_home(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
        return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *path)
{
        struct stat st;

        assert_int_equal(stat(path, &st), 0);
        return st.st_mode & 0777;
}

static void an_identity_is_made_once_readable_by_you_only(void **state)
{
        struct identity a, b;
        char path[256];

        (void)state;
        assert_int_equal(identity_load(&a, &ears), 0);
        assert_non_null(strstr(said, "made your identity key"));
        snprintf(path, sizeof(path), "%s/kafka-chat/identity", home);
        assert_int_equal(mode_of(path), 0600);
        snprintf(path, sizeof(path), "%s/kafka-chat", home);
        assert_int_equal(mode_of(path), 0700);
        forget();
        assert_int_equal(identity_load(&b, &ears), 0);
        assert_int_equal(said_count, 0);
        assert_memory_equal(a.keys.public_key, b.keys.public_key, SEAL_PUBLIC_BYTES);
        identity_free(&a);
        identity_free(&b);

        /* Readable by others: a warning, as for -F files. */
        snprintf(path, sizeof(path), "%s/kafka-chat/identity", home);
        assert_int_equal(chmod(path, 0644), 0);
        assert_int_equal(identity_load(&a, &ears), 0);
        assert_non_null(strstr(said, "readable by other users"));
        identity_free(&a);
        /* Not a key: an error. */
        assert_int_equal(truncate(path, 5), 0);
        assert_int_equal(identity_load(&a, &ears), -1);
        assert_null(a.seed);
}

static void the_first_pin_of_a_name_holds(void **state)
{
        struct pins pins;
        unsigned char k1[SEAL_PUBLIC_BYTES] = {1}, k2[SEAL_PUBLIC_BYTES] = {2};
        char path[256];
        FILE *fp;

        (void)state;
        assert_int_equal(pins_load(&pins, &ears), 0);
        assert_null(pins_find(&pins, "alice", 5));
        assert_int_equal(pins_add(&pins, "alice", 5, k1), 0);
        assert_int_equal(pins_add(&pins, "a \"q\"\n\\ 김", strlen("a \"q\"\n\\ 김"), k2), 0);
        assert_int_equal(pins_add(&pins, "nul\0x", 5, k2), 0);
        pins_free(&pins);

        /* A later line for alice (by hand, or by another program) does not
         * move her pin; bad lines are skipped with a warning. */
        snprintf(path, sizeof(path), "%s/kafka-chat/known_keys", home);
        assert_int_equal(mode_of(path), 0600);
        fp = fopen(path, "a");
        assert_non_null(fp);
        fprintf(fp, "# a comment\n\nnot a pin\n");
        fprintf(fp, "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \"alice\"\n");
        fclose(fp);
        forget();
        assert_int_equal(pins_load(&pins, &ears), 0);
        assert_int_equal(said_count, 1);
        assert_non_null(strstr(said, ":6: not a pin"));
        assert_memory_equal(pins_find(&pins, "alice", 5), k1, SEAL_PUBLIC_BYTES);
        assert_memory_equal(pins_find(&pins, "a \"q\"\n\\ 김", strlen("a \"q\"\n\\ 김")), k2,
                            SEAL_PUBLIC_BYTES);
        /* Names are compared whole: "nul" is not "nul\0x". */
        assert_non_null(pins_find(&pins, "nul\0x", 5));
        assert_null(pins_find(&pins, "nul", 3));
        pins_free(&pins);
}

/* Writes text to a file of this mode; returns its path. */
static const char *key_file(const char *text, size_t len, mode_t mode)
{
        static char path[256];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/key", home);
        fp = fopen(path, "w");
        assert_non_null(fp);
        assert_int_equal(fwrite(text, 1, len, fp), len);
        fclose(fp);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

static void a_key_file_gives_its_first_line(void **state)
{
        static const struct {
                const char *text, *passphrase;
        } good[] = {
                {"secret\n", "secret"},       {"secret", "secret"},
                {"sec ret \r\nmore\n", "sec ret "}, {"비밀\nnext line", "비밀"},
        };
        struct secret s;
        char big[PASSPHRASE_MAX + 10];

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                assert_int_equal(passphrase_from_file(&s, key_file(good[i].text,
                                                                   strlen(good[i].text), 0600),
                                                      &ears),
                                 0);
                assert_int_equal(s.len, strlen(good[i].passphrase));
                assert_string_equal(s.text, good[i].passphrase);
                secret_free(&s);
                assert_null(s.text);
        }
        assert_int_equal(said_count, 0);
        /* Others can read it: a warning, and it is still used. */
        assert_int_equal(passphrase_from_file(&s, key_file("x\n", 2, 0644), &ears), 0);
        assert_non_null(strstr(said, "readable by other users"));
        assert_null(strstr(said, "x\n")); /* never the passphrase itself */
        secret_free(&s);
        /* An empty first line, a line too long, no file: errors. */
        assert_int_equal(passphrase_from_file(&s, key_file("\nsecond\n", 8, 0600), &ears), -1);
        memset(big, 'x', sizeof(big));
        assert_int_equal(passphrase_from_file(&s, key_file(big, sizeof(big), 0600), &ears), -1);
        assert_int_equal(passphrase_from_file(&s, "/nonexistent/key", &ears), -1);
        assert_null(s.text);
}

/* ---- the vault ------------------------------------------------------------------ */

struct room {
        struct identity me;
        struct pins pins;
        struct vault v;
};

static void open_room(struct room *r, const char *passphrase)
{
        struct secret s;

        assert_int_equal(passphrase_from_file(&s, key_file(passphrase, strlen(passphrase), 0600),
                                              &ears),
                         0);
        assert_int_equal(identity_load(&r->me, &ears), 0);
        assert_int_equal(pins_load(&r->pins, &ears), 0);
        assert_int_equal(vault_open(&r->v, &s, &r->me, &r->pins, &ears, 0), 0);
        assert_null(s.text); /* the vault has it */
}

static void close_room(struct room *r)
{
        vault_close(&r->v);
        pins_free(&r->pins);
        identity_free(&r->me);
}

/* What the vault makes of a record value at partition 0, offset. */
static enum record_status read_value(struct vault *v, const char *topic, const struct buf *value,
                                     int64_t offset, struct record *rec)
{
        enum record_status st = record_decode(rec, value->data, value->len);

        return vault_unseal(v, topic, rec, st, 0, offset);
}

static void sealed_lines_open_to_the_line(void **state)
{
        struct room r;
        struct buf value = BUF_INIT;
        struct record rec = RECORD_INIT;

        (void)state;
        open_room(&r, "pw");
        assert_int_equal(vault_seal(&r.v, "chat", "안녕 \xff", 8, 1700000000.5, "alice", &value), 1);
        /* Nothing of the line, nor the name, in what the broker gets. */
        assert_null(memmem(value.data, value.len, "alice", 5));
        assert_null(memmem(value.data, value.len, "안녕", strlen("안녕")));
        assert_null(memmem(value.data, value.len, "\\uc548", 6));
        forget();
        assert_int_equal(read_value(&r.v, "chat", &value, 7, &rec), RECORD_OK);
        assert_int_equal(rec.message_len, strlen("안녕 \xef\xbf\xbd"));
        assert_memory_equal(rec.message, "안녕 \xef\xbf\xbd", rec.message_len);
        assert_int_equal(rec.sender_len, 5);
        assert_memory_equal(rec.sender, "alice", 5);
        assert_true(rec.time == 1700000000.5);
        /* The same record read again (a second visit) is no replay. */
        assert_int_equal(read_value(&r.v, "chat", &value, 7, &rec), RECORD_OK);
        /* At another offset it is one: a warning, not shown. */
        assert_int_equal(read_value(&r.v, "chat", &value, 9, &rec), RECORD_BAD);
        assert_non_null(strstr(said, "chat [0] offset 9: the same sealed line as [0] offset 7"));
        /* In another room it does not open. */
        forget();
        assert_int_equal(read_value(&r.v, "other", &value, 1, &rec), RECORD_BAD);
        assert_non_null(strstr(said, "other [0] offset 1: cannot be opened"));
        /* A plain record in an encrypted room is not shown. */
        buf_clear(&value);
        record_encode(&value, "hi", 2, 1.5, "alice");
        forget();
        assert_int_equal(read_value(&r.v, "chat", &value, 10, &rec), RECORD_BAD);
        assert_non_null(strstr(said, "chat [0] offset 10: not sealed"));
        buf_free(&value);
        record_free(&rec);
        close_room(&r);
}

static void a_wrong_passphrase_is_one_notice(void **state)
{
        struct room writer, reader;
        struct buf value = BUF_INIT;
        struct record rec = RECORD_INIT;

        (void)state;
        open_room(&writer, "right");
        open_room(&reader, "wrong");
        assert_int_equal(vault_seal(&writer.v, "chat", "a", 1, 1.0, "alice", &value), 0);
        forget();
        for (int i = 0; i < 5; i++)
                assert_int_equal(read_value(&reader.v, "chat", &value, i, &rec), RECORD_BAD);
        assert_int_equal(said_count, 1);
        assert_non_null(strstr(said, "chat [0] offset 0: cannot open the sealed lines of 'chat' "
                                     "with this passphrase (a wrong passphrase?)"));
        assert_null(strstr(said, "right"));
        assert_null(strstr(said, "wrong\n"));
        buf_free(&value);
        record_free(&rec);
        close_room(&writer);
        close_room(&reader);
}

static void another_key_for_a_pinned_name_is_not_shown(void **state)
{
        struct room alice, reader;
        struct identity mallory;
        struct buf value = BUF_INIT;
        struct record rec = RECORD_INIT;
        char dir[128], first[80];

        (void)state;
        open_room(&alice, "pw");
        open_room(&reader, "pw");
        /* mallory: another data folder, so another identity. */
        snprintf(dir, sizeof(dir), "%s/mallory", home);
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(setenv("XDG_DATA_HOME", dir, 1), 0);
        assert_int_equal(identity_load(&mallory, &ears), 0);
        assert_int_equal(setenv("XDG_DATA_HOME", home, 1), 0);

        /* alice's own identity is the one she and the reader share here:
         * pin "bob" to it by a first line. */
        assert_int_equal(vault_seal(&alice.v, "chat", "hi", 2, 1.0, "bob", &value), 0);
        forget();
        assert_int_equal(read_value(&reader.v, "chat", &value, 0, &rec), RECORD_OK);
        assert_non_null(strstr(said, "first key seen for 'bob', pinned: "));
        snprintf(first, sizeof(first), "%s", strstr(said, "pinned: ") + 8);

        /* mallory knows the room key, writes as bob: not shown, loudly. */
        alice.v.me = &mallory;
        buf_clear(&value);
        assert_int_equal(vault_seal(&alice.v, "chat", "give me money", 13, 2.0, "bob", &value), 0);
        forget();
        assert_int_equal(read_value(&reader.v, "chat", &value, 1, &rec), RECORD_BAD);
        assert_non_null(strstr(said, "chat [0] offset 1: WARNING: signed as 'bob' by another key"));
        assert_null(strstr(said, "give me money"));
        alice.v.me = &alice.me;
        buf_free(&value);
        record_free(&rec);
        identity_free(&mallory);
        close_room(&alice);
        close_room(&reader);
}

/* kafka-chat.keys said who bob is before his first line came. */
static void the_key_published_first_is_the_one_pinned(void **state)
{
        struct room writer, reader;
        struct buf value = BUF_INIT;
        struct record rec = RECORD_INIT;
        unsigned char other[SEAL_PUBLIC_BYTES] = {7};

        (void)state;
        open_room(&writer, "pw");
        open_room(&reader, "pw");
        /* Published for carol: another key than the writer's. */
        assert_int_equal(pins_publish(&reader.pins, "carol", 5, other), 0);
        assert_int_equal(pins_publish(&reader.pins, "carol", 5, writer.me.keys.public_key), 0);
        assert_memory_equal(pins_published(&reader.pins, "carol", 5), other, SEAL_PUBLIC_BYTES);
        assert_int_equal(vault_seal(&writer.v, "chat", "hi", 2, 1.0, "carol", &value), 0);
        forget();
        assert_int_equal(read_value(&reader.v, "chat", &value, 0, &rec), RECORD_BAD);
        assert_non_null(strstr(said, "WARNING: signed as 'carol' by another key than the one "
                                     "published first"));
        assert_null(pins_find(&reader.pins, "carol", 5)); /* nothing pinned */
        /* Published for dave: the writer's own key. Pinned when met. */
        assert_int_equal(pins_publish(&reader.pins, "dave", 4, writer.me.keys.public_key), 0);
        buf_clear(&value);
        assert_int_equal(vault_seal(&writer.v, "chat", "hi", 2, 2.0, "dave", &value), 0);
        assert_int_equal(read_value(&reader.v, "chat", &value, 1, &rec), RECORD_OK);
        assert_memory_equal(pins_find(&reader.pins, "dave", 4), writer.me.keys.public_key,
                            SEAL_PUBLIC_BYTES);
        buf_free(&value);
        record_free(&rec);
        close_room(&writer);
        close_room(&reader);
}

static void writers_take_the_newest_salt_they_opened(void **state)
{
        struct room a, b;
        struct buf v1 = BUF_INIT, v2 = BUF_INIT, mine = BUF_INIT;
        struct record rec = RECORD_INIT;

        (void)state;
        open_room(&a, "pw");
        open_room(&b, "pw");
        /* a's lines carry a's new salt. */
        assert_int_equal(vault_seal(&a.v, "chat", "one", 3, 1.0, "a", &v1), 0);
        assert_int_equal(vault_seal(&a.v, "chat", "two", 3, 2.0, "a", &v2), 0);
        /* b learns it from the room's newest line, and writes with it. */
        vault_learn(&b.v, "chat", v2.data, v2.len);
        assert_true(b.v.has_write_salt);
        assert_memory_equal(b.v.write_salt, a.v.write_salt, SEAL_SALT_BYTES);
        assert_int_equal(vault_seal(&b.v, "chat", "three", 5, 3.0, "b", &mine), 0);
        assert_int_equal(read_value(&a.v, "chat", &mine, 2, &rec), RECORD_OK);
        buf_free(&v1);
        buf_free(&v2);
        buf_free(&mine);
        record_free(&rec);
        close_room(&a);
        close_room(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(an_identity_is_made_once_readable_by_you_only,
                                                fresh_home, remove_home),
                cmocka_unit_test_setup_teardown(the_first_pin_of_a_name_holds, fresh_home,
                                                remove_home),
                cmocka_unit_test_setup_teardown(a_key_file_gives_its_first_line, fresh_home,
                                                remove_home),
                cmocka_unit_test_setup_teardown(sealed_lines_open_to_the_line, fresh_home,
                                                remove_home),
                cmocka_unit_test_setup_teardown(a_wrong_passphrase_is_one_notice, fresh_home,
                                                remove_home),
                cmocka_unit_test_setup_teardown(another_key_for_a_pinned_name_is_not_shown,
                                                fresh_home, remove_home),
                cmocka_unit_test_setup_teardown(the_key_published_first_is_the_one_pinned,
                                                fresh_home, remove_home),
                cmocka_unit_test_setup_teardown(writers_take_the_newest_salt_they_opened,
                                                fresh_home, remove_home),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
