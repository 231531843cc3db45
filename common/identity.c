#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "buf.h"
#include "pyjson.h"

#define IDENTITY_FILE "identity"
#define PINS_FILE "known_keys"
/* Standard base64 of a public key: 44 characters. */
#define KEY_TEXT_LEN 44

const char *identity_login_name(void)
{
        const char *name = getenv("USER");
        struct passwd *pw;

        if (name && *name)
                return name;
        pw = getpwuid(getuid());
        return pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "anonymous";
}

/* Makes dir (0700) unless it is there. */
static int make_dir(const char *dir)
{
        return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int identity_dir(char *dir, size_t size, const struct voice *voice)
{
        const char *data = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
        char parent[PATH_MAX];
        int n;

        /* The spec: a relative $XDG_DATA_HOME is to be ignored. */
        if (data && data[0] == '/')
                n = snprintf(parent, sizeof(parent), "%s", data);
        else if (home && *home)
                n = snprintf(parent, sizeof(parent), "%s/.local/share", home);
        else {
                diag_say(voice, DIAG_ERROR, "neither XDG_DATA_HOME nor HOME is set: no place "
                                            "for your identity key");
                return -1;
        }
        if (n < 0 || (size_t)n >= sizeof(parent) ||
            snprintf(dir, size, "%s/kafka-chat", parent) >= (int)size) {
                diag_say(voice, DIAG_ERROR, "the data folder's name is too long");
                return -1;
        }
        /* ~/.local/share may not be there yet: made as XDG says, 0700. */
        if (!(data && data[0] == '/')) {
                char local[PATH_MAX];

                snprintf(local, sizeof(local), "%s/.local", home);
                if (make_dir(local) == -1 || make_dir(parent) == -1)
                        goto error;
        } else if (make_dir(parent) == -1) {
                goto error;
        }
        if (make_dir(dir) == -1)
                goto error;
        return 0;
error:
        diag_say(voice, DIAG_ERROR, "cannot make %s: %m", dir);
        return -1;
}

/* A warning for a secret file that others may read. */
static void check_mode(int fd, const char *path, const struct voice *voice)
{
        struct stat st;

        if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
                diag_say(voice, DIAG_WARNING,
                         "%s is readable by other users (mode %03o); it holds a secret: "
                         "chmod 600 %s",
                         path, (unsigned)(st.st_mode & 0777), path);
}

/* Reads exactly size bytes (no more in the file). Returns 0, or -1. */
static int read_exactly(int fd, unsigned char *to, size_t size)
{
        size_t got = 0;
        unsigned char extra;
        ssize_t n;

        while (got < size) {
                n = read(fd, to + got, size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                got += (size_t)n;
        }
        while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
                ;
        return n == 0 ? 0 : -1;
}

static int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Writes a new seed to path: a file of our own first, then linked into
 * place, so that two programs starting at once agree on one (the later
 * one finds the first's, whole). Returns 0, or -1 with errno set. */
static int make_seed(const char *path, const unsigned char *seed)
{
        char tmp[PATH_MAX + 32];
        int fd, status = -1, saved;

        snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd == -1)
                return -1;
        if (write_all(fd, seed, SEAL_SEED_BYTES) == 0 && fsync(fd) == 0 &&
            (link(tmp, path) == 0 || errno == EEXIST))
                status = 0;
        saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return status;
}

int identity_load(struct identity *id, const struct voice *voice)
{
        char dir[PATH_MAX], path[PATH_MAX + 16];
        int fd = -1;

        memset(id, 0, sizeof(*id));
        if (seal_init() == -1) {
                diag_say(voice, DIAG_ERROR, "libsodium cannot be used");
                return -1;
        }
        id->seed            = sodium_malloc(SEAL_SEED_BYTES);
        id->keys.secret_key = sodium_malloc(SEAL_SECRET_BYTES);
        if (!id->seed || !id->keys.secret_key) {
                diag_say(voice, DIAG_ERROR, "out of memory");
                goto error;
        }
        if (identity_dir(dir, sizeof(dir), voice) == -1)
                goto error;
        snprintf(path, sizeof(path), "%s/" IDENTITY_FILE, dir);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd == -1 && errno == ENOENT) {
                randombytes_buf(id->seed, SEAL_SEED_BYTES);
                if (make_seed(path, id->seed) == -1) {
                        diag_say(voice, DIAG_ERROR, "cannot make your identity key %s: %m", path);
                        goto error;
                }
                diag_say(voice, DIAG_NOTE, "made your identity key %s", path);
                fd = open(path, O_RDONLY | O_CLOEXEC); /* another's, if it came first */
        }
        if (fd == -1) {
                diag_say(voice, DIAG_ERROR, "cannot read your identity key %s: %m", path);
                goto error;
        }
        check_mode(fd, path, voice);
        if (read_exactly(fd, id->seed, SEAL_SEED_BYTES) == -1) {
                diag_say(voice, DIAG_ERROR, "%s is not an identity key (%d bytes expected)",
                         path, SEAL_SEED_BYTES);
                goto error;
        }
        close(fd);
        fd = -1;
        if (seal_identity_from_seed(&id->keys, id->seed) == -1) {
                diag_say(voice, DIAG_ERROR, "cannot use the identity key %s", path);
                goto error;
        }
        return 0;
error:
        if (fd != -1)
                close(fd);
        identity_free(id);
        return -1;
}

void identity_free(struct identity *id)
{
        sodium_free(id->seed); /* zeroed first */
        sodium_free(id->keys.secret_key);
        id->seed            = NULL;
        id->keys.secret_key = NULL;
}

/* ---- pins ---------------------------------------------------------------- */

/* Adds (name, key) to a list. Returns 0, or -1 when out of memory. */
static int add_pin(struct pin **list, size_t *count, const char *name, size_t len,
                   const unsigned char key[SEAL_PUBLIC_BYTES])
{
        struct pin *grown = realloc(*list, (*count + 1) * sizeof(*grown));

        if (!grown)
                return -1;
        *list = grown;
        if (!(grown[*count].name = malloc(len + 1)))
                return -1;
        memcpy(grown[*count].name, name, len);
        grown[*count].name[len] = '\0';
        grown[*count].len       = len;
        memcpy(grown[*count].public_key, key, SEAL_PUBLIC_BYTES);
        (*count)++;
        return 0;
}

static const unsigned char *find_pin(const struct pin *list, size_t count, const char *name,
                                     size_t len)
{
        for (size_t i = 0; i < count; i++)
                if (list[i].len == len && !memcmp(list[i].name, name, len))
                        return list[i].public_key;
        return NULL;
}

static int remember(struct pins *pins, const char *name, size_t len,
                    const unsigned char key[SEAL_PUBLIC_BYTES])
{
        return add_pin(&pins->list, &pins->count, name, len, key);
}

/* One line, "BASE64KEY "NAME"": pinned unless its name is already.
 * Returns 0, 1 for a line that is not a pin, -1 when out of memory. */
static int read_pin(struct pins *pins, const char *line, size_t len)
{
        unsigned char key[SEAL_PUBLIC_BYTES];
        json_t *name;
        int status = 1;

        if (len < KEY_TEXT_LEN + 3 || line[KEY_TEXT_LEN] != ' ' ||
            seal_unbase64(key, sizeof(key), line, KEY_TEXT_LEN) == -1)
                return 1;
        name = json_loadb(line + KEY_TEXT_LEN + 1, len - KEY_TEXT_LEN - 1,
                          JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (json_is_string(name) && json_string_length(name) > 0) {
                status = 0;
                if (!pins_find(pins, json_string_value(name), json_string_length(name)))
                        status = remember(pins, json_string_value(name),
                                          json_string_length(name), key);
        }
        json_decref(name);
        return status;
}

int pins_load(struct pins *pins, const struct voice *voice)
{
        char dir[PATH_MAX];
        char *line = NULL;
        size_t cap = 0;
        unsigned long lineno = 0;
        ssize_t len;
        FILE *fp;
        int status = -1, r;

        memset(pins, 0, sizeof(*pins));
        pins->voice = voice;
        if (identity_dir(dir, sizeof(dir), voice) == -1)
                return -1;
        if (asprintf(&pins->path, "%s/" PINS_FILE, dir) == -1) {
                pins->path = NULL;
                diag_say(voice, DIAG_ERROR, "out of memory");
                return -1;
        }
        fp = fopen(pins->path, "re");
        if (!fp && errno == ENOENT)
                return 0;
        if (!fp) {
                diag_say(voice, DIAG_ERROR, "cannot read %s: %m", pins->path);
                return -1;
        }
        while ((len = getline(&line, &cap, fp)) != -1) {
                lineno++;
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        len--;
                if (len == 0 || line[0] == '#')
                        continue;
                r = read_pin(pins, line, (size_t)len);
                if (r == -1) {
                        diag_say(voice, DIAG_ERROR, "out of memory");
                        goto out;
                }
                if (r == 1)
                        diag_say(voice, DIAG_WARNING, "%s:%lu: not a pin (skipped)", pins->path,
                                 lineno);
        }
        status = ferror(fp) ? -1 : 0;
        if (status == -1)
                diag_say(voice, DIAG_ERROR, "cannot read %s: %m", pins->path);
out:
        free(line);
        fclose(fp);
        return status;
}

const unsigned char *pins_find(const struct pins *pins, const char *name, size_t len)
{
        return find_pin(pins->list, pins->count, name, len);
}

int pins_publish(struct pins *pins, const char *name, size_t len,
                 const unsigned char key[SEAL_PUBLIC_BYTES])
{
        if (pins_published(pins, name, len))
                return 0; /* the first one holds */
        return add_pin(&pins->published, &pins->npublished, name, len, key);
}

const unsigned char *pins_published(const struct pins *pins, const char *name, size_t len)
{
        return find_pin(pins->published, pins->npublished, name, len);
}

/* Appends the pin's line to the file (one write: lines of two programs
 * appending at once do not mix). Returns 0, or -1 with errno set. */
static int append(const struct pins *pins, const char *name, size_t len,
                  const unsigned char key[SEAL_PUBLIC_BYTES])
{
        struct buf line = BUF_INIT;
        int fd, status = -1;

        if (seal_base64(&line, key, SEAL_PUBLIC_BYTES) == -1 || buf_append_char(&line, ' ') == -1 ||
            pyjson_append_string(&line, name, len) == -1 || buf_append_char(&line, '\n') == -1) {
                errno = ENOMEM;
                goto out;
        }
        fd = open(pins->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd == -1)
                goto out;
        status = write_all(fd, line.data, line.len);
        if (close(fd) == -1)
                status = -1;
out:
        buf_free(&line);
        return status;
}

int pins_add(struct pins *pins, const char *name, size_t len,
             const unsigned char key[SEAL_PUBLIC_BYTES])
{
        if (remember(pins, name, len, key) == -1)
                return -1;
        if (pins->path && append(pins, name, len, key) == -1 && !pins->write_failed) {
                diag_say(pins->voice, DIAG_WARNING,
                         "cannot write %s (%m): pins are kept for this run only", pins->path);
                pins->write_failed = 1;
        }
        return 0;
}

void pins_free(struct pins *pins)
{
        for (size_t i = 0; i < pins->count; i++)
                free(pins->list[i].name);
        for (size_t i = 0; i < pins->npublished; i++)
                free(pins->published[i].name);
        free(pins->list);
        free(pins->published);
        free(pins->path);
        memset(pins, 0, sizeof(*pins));
}
