#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

int config_set(rd_kafka_conf_t *conf, const char *key, const char *value, const char *origin)
{
        char errstr[512];

        if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
                return 0;
        diag_error("%s %s: %s", origin, key, errstr);
        return -1;
}

/* Settings of the classic consumer group protocol that librdkafka refuses
 * with the new one (KIP-848, group.protocol=consumer), where the broker
 * decides them. */
static int classic_only(const char *key)
{
        return !strcmp(key, "session.timeout.ms") || !strcmp(key, "heartbeat.interval.ms") ||
               !strcmp(key, "partition.assignment.strategy");
}

int config_defaults(rd_kafka_conf_t *conf, const struct kafka_property *defaults,
                    int consumer_protocol)
{
        for (; defaults && defaults->key; defaults++)
                if (!(consumer_protocol && classic_only(defaults->key)) &&
                    config_set(conf, defaults->key, defaults->value, "default") == -1)
                        return -1;
        return 0;
}

int config_apply(rd_kafka_conf_t *conf, const struct config *cfg)
{
        for (size_t i = 0; i < cfg->count; i++)
                if (config_set(conf, cfg->entries[i].key, cfg->entries[i].value,
                               cfg->entries[i].origin) == -1)
                        return -1;
        return 0;
}

/* Removes white space at both ends of s, in place. */
static char *trim(char *s)
{
        char *end = s + strlen(s);

        while (*s == ' ' || *s == '\t')
                s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
                           end[-1] == '\n'))
                *--end = '\0';
        return s;
}

/* Adds a setting. Returns 0, or -1 when out of memory. */
static int add(struct config *cfg, const char *key, size_t key_len, const char *value,
               const char *origin)
{
        struct config_entry *grown = realloc(cfg->entries, (cfg->count + 1) * sizeof(*grown));
        struct config_entry *e;

        if (!grown)
                return -1;
        cfg->entries = grown;
        e            = &cfg->entries[cfg->count];
        e->key       = strndup(key, key_len);
        e->value     = strdup(value);
        e->origin    = strdup(origin);
        cfg->count++; /* config_free() frees what is there */
        if (!e->key || !e->value || !e->origin)
                return -1;
        if (!strcmp(e->key, "group.protocol"))
                cfg->consumer_protocol = !strcmp(value, "consumer");
        return 0;
}

/* The config file to read, if any: -F, else $KAFKA_CHAT_CONFIG (which
 * must then exist), else ~/.config/kafka-chat.conf if it exists. */
static const char *config_path(const struct options *opts, char *buf, size_t size)
{
        const char *home = getenv("HOME"), *env = getenv("KAFKA_CHAT_CONFIG");

        if (opts->config_file)
                return opts->config_file;
        if (env && *env)
                return env;
        if (!home)
                return NULL;
        snprintf(buf, size, "%s/.config/kafka-chat.conf", home);
        return access(buf, F_OK) == 0 ? buf : NULL;
}

/* Reads a properties file: KEY=VALUE lines, '#' comments, blank lines.
 * Returns 0, or -1 after saying where it went wrong. */
static int read_file(struct config *cfg, const char *path)
{
        FILE *fp = fopen(path, "r");
        struct stat st;
        char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        int status = -1;

        if (!fp) {
                diag_error("cannot read config file %s: %m", path);
                return -1;
        }
        if (fstat(fileno(fp), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
                diag_warn("config file %s is readable by other users (mode %03o); it "
                          "may hold passwords: chmod 600 %s",
                          path, (unsigned)(st.st_mode & 0777), path);
        if (cfg->opts->verbose >= 1)
                diag_note("reading config file %s", path);

        while (getline(&line, &cap, fp) != -1) {
                char origin[4200], *key = trim(line), *eq;

                lineno++;
                if (*key == '\0' || *key == '#')
                        continue;
                eq = strchr(key, '=');
                if (!eq || eq == key) {
                        diag_error("%s:%u: expected KEY=VALUE", path, lineno);
                        goto out;
                }
                *eq = '\0';
                key = trim(key);
                snprintf(origin, sizeof(origin), "%s:%u:", path, lineno);
                if (add(cfg, key, strlen(key), trim(eq + 1), origin) == -1) {
                        diag_error("out of memory");
                        goto out;
                }
        }
        status = ferror(fp) ? -1 : 0;
        if (status == -1)
                diag_error("cannot read config file %s: %m", path);
out:
        if (line) /* it may have held a password */
                explicit_bzero(line, cap);
        free(line);
        fclose(fp);
        return status;
}

/* Whether librdkafka takes every setting; a scratch configuration. */
static int check(const struct config *cfg)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        int status = config_apply(conf, cfg);

        rd_kafka_conf_destroy(conf);
        return status;
}

int config_load(struct config *cfg, const struct options *opts)
{
        char default_path[4096];
        const char *path = config_path(opts, default_path, sizeof(default_path));

        memset(cfg, 0, sizeof(*cfg));
        cfg->opts = opts;
        if (path && read_file(cfg, path) == -1)
                goto error;
        if ((opts->bootstrap &&
             add(cfg, "bootstrap.servers", 17, opts->bootstrap, "-b:") == -1) ||
            (opts->group && add(cfg, "group.id", 8, opts->group, "-g:") == -1))
                goto oom;
        for (size_t i = 0; i < opts->nproperties; i++) {
                const char *x = opts->properties[i], *eq = strchr(x, '=');

                if (add(cfg, x, (size_t)(eq - x), eq + 1, "-X") == -1)
                        goto oom;
        }
        if (check(cfg) == -1)
                goto error;
        return 0;

oom:
        diag_error("out of memory");
error:
        options_hint();
        config_free(cfg);
        return -1;
}

void config_free(struct config *cfg)
{
        for (size_t i = 0; i < cfg->count; i++) {
                free(cfg->entries[i].key);
                if (cfg->entries[i].value) /* it may be a password */
                        explicit_bzero(cfg->entries[i].value, strlen(cfg->entries[i].value));
                free(cfg->entries[i].value);
                free(cfg->entries[i].origin);
        }
        free(cfg->entries);
        cfg->entries = NULL;
        cfg->count   = 0;
}
