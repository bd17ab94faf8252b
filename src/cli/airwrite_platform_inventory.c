/* airwrite-platform: administration of number resources and business scope
 * (号码使用, 合规业务范围 of 《物联网 eSIM 空中写卡技术应用服务规范》; platform.h
 * "Number resources and business scope", docs/lifecycle.md): define profile
 * types with the business they provide, set a tenant's scope, create number
 * pools with their MSISDN segments and IMSI ranges, add numbers, show them. */
#include "cli/airwrite_platform_inventory.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "platform/platform.h"

#define DAY_MS (86400LL * 1000)
#define COOLING_DAYS_MAX 3650

void platform_inventory_usage(FILE *out)
{
    fprintf(out,
            "\n"
            "       airwrite-platform profile-type-set --db URL [--data] [--sms N,..]\n"
            "                          [--voice N,..] NAME\n"
            "       airwrite-platform profile-type-show --db URL NAME\n"
            "       airwrite-platform scope-set --db URL --tenant T [--data] [--sms N,..]\n"
            "                          [--voice N,..]\n"
            "       airwrite-platform scope-show --db URL --tenant T\n"
            "       airwrite-platform pool-create --db URL --tenant T --profile-type NAME\n"
            "                          --segment PREFIX... --imsi-range FIRST-LAST...\n"
            "                          [--msisdn-length N] [--cooling-days N] POOL\n"
            "       airwrite-platform pool-show --db URL --tenant T POOL\n"
            "       airwrite-platform number-add --db URL --tenant T --pool POOL --msisdn FIRST\n"
            "                          --imsi FIRST [--count N]\n"
            "\n"
            "profile-type-set  define the business a profile type provides: --data mobile\n"
            "             data, --sms/--voice SMS or voice directed to the numbers listed\n"
            "scope-set    the business tenant T may order (none given: nothing)\n"
            "pool-create  a number pool of tenant T: MSISDNs of --msisdn-length digits\n"
            "             (default 13) starting with a --segment, IMSIs in an --imsi-range;\n"
            "             released numbers rest --cooling-days days (default 0)\n"
            "number-add   add --count numbers (default 1): MSISDN and IMSI counting up\n"
            "             together from the first ones\n");
}

typedef struct inventory_options {
    const char *db;
    const char *tenant;
    const char *profile_type;
    const char *pool;
    const char *msisdn;
    const char *imsi;
    platform_business_scope scope;
    platform_number_pool new_pool;
    long long count;
    bool bad;
} inventory_options;

/* "N,N,...": the whitelist of a scope (checked by the library). */
static bool parse_whitelist(const char *text, size_t *count,
                            char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    *count = 0;
    while (*text != '\0') {
        size_t len = strcspn(text, ",");
        if (*count == PLATFORM_WHITELIST_MAX || len == 0 || len > PLATFORM_WHITELIST_NUMBER_MAX)
            return false;
        memcpy(list[*count], text, len);
        list[(*count)++][len] = '\0';
        text += len + (text[len] == ',');
    }
    return *count > 0;
}

static bool parse_number(const char *text, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return false;
    *out = value;
    return true;
}

static bool copy_option(char *out, size_t size, const char *text)
{
    size_t len = strlen(text);
    if (len >= size)
        return false;
    memcpy(out, text, len + 1);
    return true;
}

static void parse_one(int c, inventory_options *o)
{
    platform_number_pool *p = &o->new_pool;
    long long value = 0;
    switch (c) {
    case 'd': o->db = optarg; break;
    case 't': o->tenant = optarg; break;
    case 'P': o->profile_type = optarg; break;
    case 'o': o->pool = optarg; break;
    case 'm': o->msisdn = optarg; break;
    case 'i': o->imsi = optarg; break;
    case 'D': o->scope.data = true; break;
    case 's':
        o->scope.sms = true;
        o->bad |= !parse_whitelist(optarg, &o->scope.sms_count, o->scope.sms_whitelist);
        break;
    case 'v':
        o->scope.voice = true;
        o->bad |= !parse_whitelist(optarg, &o->scope.voice_count, o->scope.voice_whitelist);
        break;
    case 'g':
        o->bad |= p->segment_count == PLATFORM_POOL_RANGES_MAX ||
                  !copy_option(p->segments[p->segment_count++], PLATFORM_MSISDN_MAX + 1, optarg);
        break;
    case 'r': {
        const char *dash = strchr(optarg, '-');
        platform_imsi_range *range = &p->ranges[p->range_count];
        o->bad |= dash == NULL || p->range_count++ == PLATFORM_POOL_RANGES_MAX ||
                  (size_t)(dash - optarg) > PLATFORM_IMSI_MAX ||
                  !copy_option(range->last, sizeof(range->last), dash + 1);
        if (!o->bad) {
            memcpy(range->first, optarg, (size_t)(dash - optarg));
            range->first[dash - optarg] = '\0';
        }
        break;
    }
    case 'l':
        o->bad |= !parse_number(optarg, 1, PLATFORM_MSISDN_MAX, &value);
        p->msisdn_length = (unsigned)value;
        break;
    case 'c':
        o->bad |= !parse_number(optarg, 0, COOLING_DAYS_MAX, &value);
        p->cooling_ms = value * DAY_MS;
        break;
    case 'n': o->bad |= !parse_number(optarg, 1, PLATFORM_NUMBERS_ADD_MAX, &o->count); break;
    default: o->bad = true; break;
    }
}

static int parse_options(int argc, char **argv, inventory_options *o)
{
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},      {"tenant", required_argument, NULL, 't'},
        {"profile-type", required_argument, NULL, 'P'}, {"pool", required_argument, NULL, 'o'},
        {"msisdn", required_argument, NULL, 'm'},  {"imsi", required_argument, NULL, 'i'},
        {"data", no_argument, NULL, 'D'},          {"sms", required_argument, NULL, 's'},
        {"voice", required_argument, NULL, 'v'},   {"segment", required_argument, NULL, 'g'},
        {"imsi-range", required_argument, NULL, 'r'},
        {"msisdn-length", required_argument, NULL, 'l'},
        {"cooling-days", required_argument, NULL, 'c'},
        {"count", required_argument, NULL, 'n'},   {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->new_pool.msisdn_length = 13; /* IoT MSISDNs */
    o->count = 1;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1)
        parse_one(c, o);
    return o->bad || o->db == NULL ? -1 : 0;
}

static void print_whitelist(const char *name, bool on, size_t count,
                            const char (*list)[PLATFORM_WHITELIST_NUMBER_MAX + 1])
{
    printf("%s: %s", name, on ? "" : "no");
    for (size_t i = 0; on && i < count; i++)
        printf("%s%s", i > 0 ? "," : "", list[i]);
    printf("\n");
}

static void print_scope(const platform_business_scope *s)
{
    printf("data: %s\n", s->data ? "yes" : "no");
    print_whitelist("sms", s->sms, s->sms_count, s->sms_whitelist);
    print_whitelist("voice", s->voice, s->voice_count, s->voice_whitelist);
}

static aw_err pool_show(db_connection *db, const inventory_options *o, const char *name)
{
    platform_number_pool pool;
    platform_pool_counts n;
    aw_err err = platform_number_pool_get(db, o->tenant, name, db_clock_ms(), &pool, &n);
    if (err != AW_OK)
        return err;
    printf("pool: %s\ntenant: %s\nprofileType: %s\nmsisdnLength: %u\ncoolingDays: %lld\n",
           pool.name, pool.tenant, pool.profile_type, pool.msisdn_length,
           (long long)(pool.cooling_ms / DAY_MS));
    for (size_t i = 0; i < pool.segment_count; i++)
        printf("segment: %s\n", pool.segments[i]);
    for (size_t i = 0; i < pool.range_count; i++)
        printf("imsiRange: %s-%s\n", pool.ranges[i].first, pool.ranges[i].last);
    printf("free: %lld\nreserved: %lld\ninUse: %lld\ncooling: %lld\navailable: %lld\n",
           (long long)n.free, (long long)n.reserved, (long long)n.in_use, (long long)n.cooling,
           (long long)n.available);
    return AW_OK;
}

static bool is_command(const char *command)
{
    static const char *const commands[] = {"profile-type-set", "profile-type-show", "scope-set",
                                           "scope-show",       "pool-create",       "pool-show",
                                           "number-add"};
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(command, commands[i]) == 0)
            return true;
    return false;
}

/* Run command with the one NAME argument (NULL when none is given). */
static aw_err run(db_connection *db, const char *command, inventory_options *o, const char *name)
{
    int64_t now = db_clock_ms();
    platform_business_scope scope;
    aw_err err = AW_OK;
    if (strcmp(command, "profile-type-set") == 0) {
        err = platform_profile_type_define(db, name, &o->scope, now);
    } else if (strcmp(command, "profile-type-show") == 0) {
        err = platform_profile_type_get(db, name, &scope);
        if (err == AW_OK)
            print_scope(&scope);
    } else if (strcmp(command, "scope-set") == 0) {
        err = platform_tenant_scope_set(db, o->tenant, &o->scope, now);
    } else if (strcmp(command, "scope-show") == 0) {
        err = platform_tenant_scope_get(db, o->tenant, &scope);
        if (err == AW_OK)
            print_scope(&scope);
    } else if (strcmp(command, "pool-create") == 0) {
        platform_number_pool *p = &o->new_pool;
        if (!copy_option(p->name, sizeof(p->name), name) ||
            !copy_option(p->tenant, sizeof(p->tenant), o->tenant) ||
            !copy_option(p->profile_type, sizeof(p->profile_type), o->profile_type))
            return AW_ERR_ARGUMENT;
        err = platform_number_pool_create(db, p, now);
    } else if (strcmp(command, "pool-show") == 0) {
        err = pool_show(db, o, name);
    } else {
        err = o->pool == NULL || o->msisdn == NULL || o->imsi == NULL
                  ? AW_ERR_ARGUMENT
                  : platform_number_add(db, o->tenant, o->pool, o->msisdn, o->imsi,
                                        (size_t)o->count, "airwrite-platform", now);
        if (err == AW_OK)
            printf("added: %lld\n", o->count);
    }
    return err;
}

int platform_inventory_main(int argc, char **argv)
{
    if (argc < 2 || !is_command(argv[1]))
        return -1;
    const char *command = argv[1];
    inventory_options o;
    bool named = strcmp(command, "scope-set") != 0 && strcmp(command, "scope-show") != 0 &&
                 strcmp(command, "number-add") != 0;
    bool tenant = strncmp(command, "profile-type", 12) != 0;
    if (parse_options(argc - 1, argv + 1, &o) != 0 || optind + 1 + (named ? 1 : 0) != argc ||
        (tenant && o.tenant == NULL) ||
        (strcmp(command, "pool-create") == 0 && o.profile_type == NULL)) {
        fprintf(stderr, "usage:\n");
        platform_inventory_usage(stderr);
        return 2;
    }
    db_connection *db = NULL;
    aw_err err = db_open(o.db, NULL, &db);
    if (err == AW_OK)
        err = platform_migrate(db);
    if (err == AW_OK)
        err = run(db, command, &o, named ? argv[optind + 1] : NULL);
    db_close(db);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-platform: %s: %s\n", command, aw_err_message(err));
        return 1;
    }
    return 0;
}
