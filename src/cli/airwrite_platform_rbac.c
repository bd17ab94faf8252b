/* airwrite-platform: roles of apps and console users (docs/rbac.md; T/CA
 * group standard, security management: roles and permissions, console
 * users with passwords under a slow KDF, an audit record of every
 * security-relevant action). Passwords are read from standard input (one
 * line), never from the command line where other users could see them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/audit.h"
#include "platform/platform.h"
#include "cli/airwrite_platform_rbac.h"

void platform_rbac_usage(FILE *out)
{
    fprintf(out,
            "       airwrite-platform app-role --db URL --role ROLE APPID\n"
            "       airwrite-platform user-create --db URL --tenant NAME --role ROLE USERNAME\n"
            "       airwrite-platform user-passwd --db URL USERNAME\n"
            "       airwrite-platform user-disable|user-enable|user-show --db URL USERNAME\n"
            "app-role     set the app's role (apps without one are tenant_user)\n"
            "user-create  create a console user; user-passwd sets a new password; both read\n"
            "             the password from standard input (one line; 12..128 characters)\n"
            "user-disable refuse the user's logins and end its sessions\n"
            "  ROLE: platform_admin, operator, tenant_user, auditor, security_officer\n");
}

static bool is_command(const char *command)
{
    static const char *const commands[] = {"app-role",     "user-create", "user-passwd",
                                           "user-disable", "user-enable", "user-show"};
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i], command) == 0)
            return true;
    return false;
}

aw_err platform_rbac_audit_command(db_connection *db, const char *action, const char *tenant,
                                   const char *target, const char *details)
{
    const char *login = getenv("USER");
    char actor[80];
    snprintf(actor, sizeof(actor), "cli:%.64s", login != NULL && login[0] != '\0' ? login : "-");
    audit_event event = {.actor_type = AUDIT_ACTOR_SYSTEM,
                         .actor_id = actor,
                         .tenant = tenant,
                         .action = action,
                         .target = target,
                         .outcome = AUDIT_OUTCOME_SUCCESS,
                         .details = details};
    /* a new chain in airwrited's [crypto] suite (recorded in the database;
     * international when none is, issue 8) */
    audit_options options = {.suite = CRYPTO_SUITE_INTERNATIONAL};
    aw_err err = platform_suite_default_get(db, &options.suite);
    if (err == AW_OK)
        err = audit_append(db, &options, &event, db_clock_ms(), NULL);
    if (err == AW_ERR_AUDIT_SUITE) { /* a chain started in the other suite */
        options.suite = options.suite == CRYPTO_SUITE_DOMESTIC ? CRYPTO_SUITE_INTERNATIONAL
                                                               : CRYPTO_SUITE_DOMESTIC;
        err = audit_append(db, &options, &event, db_clock_ms(), NULL);
    }
    return err;
}

/* One line of standard input without its newline; false when empty or
 * too long. */
static bool read_password(char *out, size_t size)
{
    if (fgets(out, (int)size, stdin) == NULL)
        return false;
    size_t len = strcspn(out, "\r\n");
    bool whole = out[len] != '\0' || feof(stdin);
    out[len] = '\0';
    return whole && len > 0;
}

static aw_err run(db_connection *db, const char *command, const char *tenant, const char *role_name,
                  const char *name)
{
    platform_role role = platform_role_from_name(role_name);
    int64_t now = db_clock_ms();
    char target[PLATFORM_USERNAME_MAX + 6];
    snprintf(target, sizeof(target), "user:%s", name);
    if (strcmp(command, "app-role") == 0) {
        platform_app app;
        aw_err err = role != 0 ? platform_app_get(db, name, &app) : AW_ERR_ARGUMENT;
        if (err == AW_OK)
            err = platform_app_role_set(db, name, role, now);
        char details[64];
        snprintf(details, sizeof(details), "{\"role\":\"%s\"}", role_name != NULL ? role_name : "");
        return err == AW_OK ? platform_rbac_audit_command(db, "app.role", app.tenant, name, details)
                            : err;
    }
    if (strcmp(command, "user-show") == 0) {
        platform_user user;
        aw_err err = platform_user_get(db, name, &user);
        if (err == AW_OK)
            printf("username: %s\ntenant: %s\nrole: %s\nenabled: %s\n", user.username, user.tenant,
                   platform_role_name(user.role), user.enabled ? "yes" : "no");
        return err;
    }
    if (strcmp(command, "user-disable") == 0 || strcmp(command, "user-enable") == 0) {
        bool enable = strcmp(command, "user-enable") == 0;
        platform_user user;
        aw_err err = platform_user_get(db, name, &user);
        if (err == AW_OK)
            err = platform_user_set_enabled(db, name, enable, now);
        return err == AW_OK ? platform_rbac_audit_command(db, enable ? "user.enable" : "user.disable",
                                                          user.tenant, target, NULL)
                            : err;
    }
    bool create = strcmp(command, "user-create") == 0;
    if (create && role == 0)
        return AW_ERR_ARGUMENT;
    char *password = malloc(PASSWORD_BYTES_MAX + 2);
    if (password == NULL)
        return AW_ERR_NOMEM;
    aw_err err = read_password(password, PASSWORD_BYTES_MAX + 2) ? AW_OK : AW_ERR_PASSWORD_TOO_LONG;
    platform_user user;
    if (err == AW_OK && create)
        err = platform_user_create(db, name, tenant, role, password, NULL, now, &user);
    else if (err == AW_OK)
        err = platform_user_set_password(db, name, password, NULL, now);
    OPENSSL_cleanse(password, PASSWORD_BYTES_MAX + 2);
    free(password);
    if (err == AW_OK && !create)
        err = platform_user_get(db, name, &user);
    if (err == AW_OK) {
        char details[64];
        snprintf(details, sizeof(details), "{\"role\":\"%s\"}", platform_role_name(user.role));
        err = platform_rbac_audit_command(db, create ? "user.create" : "user.passwd", user.tenant,
                                          target, details);
    }
    return err;
}

int platform_rbac_main(int argc, char **argv)
{
    if (argc < 2 || !is_command(argv[1]))
        return -1;
    const char *command = argv[1];
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},
        {"tenant", required_argument, NULL, 't'},
        {"role", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *tenant = NULL, *role = NULL;
    int c;
    bool bad = false;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'd': url = optarg; break;
        case 't': tenant = optarg; break;
        case 'r': role = optarg; break;
        default: bad = true; break;
        }
    }
    bool create = strcmp(command, "user-create") == 0;
    if (bad || url == NULL || optind + 2 != argc ||
        ((strcmp(command, "app-role") == 0 || create) && role == NULL) ||
        (create && tenant == NULL)) {
        fprintf(stderr, "usage:\n");
        platform_rbac_usage(stderr);
        return 2;
    }
    db_connection *db = NULL;
    aw_err err = db_open(url, NULL, &db);
    if (err == AW_OK)
        err = platform_migrate(db);
    if (err == AW_OK)
        err = run(db, command, tenant, role, argv[optind + 1]);
    db_close(db);
    if (err != AW_OK) {
        fprintf(stderr, "airwrite-platform: %s: %s\n", command,
                err == AW_ERR_ARGUMENT ? "unknown role, or malformed name or tenant"
                                       : aw_err_message(err));
        return 1;
    }
    return 0;
}
