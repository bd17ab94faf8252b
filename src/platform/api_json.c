/* airwrite platform: bounded parsing of the northbound API's JSON request
 * bodies (RFC 8259). The body size and nesting depth are checked before
 * jansson sees the text, so a hostile body costs at most
 * PLATFORM_JSON_MAX_BODY bytes of work and PLATFORM_JSON_MAX_DEPTH levels. */
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "platform/platform_internal.h"

/* Whether [ / { nest at most max_depth deep outside strings. */
static bool depth_within(const uint8_t *body, size_t len, size_t max_depth)
{
    size_t depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = body[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return false;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return true;
}

static aw_err parse_object(const uint8_t *body, size_t len, const char *const *allowed,
                           json_t **out)
{
    return platform_json_parse_object(body, len, PLATFORM_JSON_MAX_BODY, allowed, out);
}

aw_err platform_json_parse_object(const uint8_t *body, size_t len, size_t max_len,
                                  const char *const *allowed, json_t **out)
{
    *out = NULL;
    if (body == NULL || len == 0 || len > max_len ||
        !depth_within(body, len, PLATFORM_JSON_MAX_DEPTH))
        return AW_ERR_PLATFORM_JSON;
    json_error_t error;
    /* no JSON_ALLOW_NUL: "\u0000" inside a string is refused */
    json_t *root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        return AW_ERR_PLATFORM_JSON;
    }
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value) {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            json_decref(root);
            return AW_ERR_PLATFORM_FIELD;
        }
    }
    *out = root;
    return AW_OK;
}

/* Copy string member name (1..max characters) into out. */
static aw_err get_string(const json_t *root, const char *name, size_t max, char *out)
{
    const json_t *value = json_object_get(root, name);
    if (!json_is_string(value))
        return AW_ERR_PLATFORM_FIELD;
    size_t n = json_string_length(value);
    if (n == 0 || n > max)
        return AW_ERR_PLATFORM_FIELD;
    memcpy(out, json_string_value(value), n);
    out[n] = '\0';
    return AW_OK;
}

aw_err platform_json_parse_token_request(const uint8_t *body, size_t len,
                                         platform_token_request *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    static const char *const allowed[] = {"appId", "appSecret", NULL};
    json_t *root = NULL;
    aw_err err = parse_object(body, len, allowed, &root);
    if (err == AW_OK)
        err = get_string(root, "appId", PLATFORM_APP_ID_MAX, out->app_id);
    if (err == AW_OK)
        err = get_string(root, "appSecret", PLATFORM_APP_SECRET_LENGTH, out->app_secret);
    if (err == AW_OK && !platform_app_id_valid(out->app_id))
        err = AW_ERR_PLATFORM_FIELD;
    if (root != NULL) {
        /* the secret's copy inside jansson: erase before jansson frees it */
        json_t *secret = json_object_get(root, "appSecret");
        if (json_is_string(secret))
            OPENSSL_cleanse((char *)json_string_value(secret), json_string_length(secret));
    }
    json_decref(root);
    if (err != AW_OK)
        OPENSSL_cleanse(out, sizeof(*out));
    return err;
}

aw_err platform_json_parse_token_member(const uint8_t *body, size_t len, const char *member,
                                        char token[PLATFORM_TOKEN_LENGTH + 1])
{
    if (token == NULL || member == NULL)
        return AW_ERR_ARGUMENT;
    token[0] = '\0';
    const char *const allowed[] = {member, NULL};
    json_t *root = NULL;
    aw_err err = parse_object(body, len, allowed, &root);
    if (err == AW_OK)
        err = get_string(root, member, PLATFORM_TOKEN_LENGTH, token);
    json_decref(root);
    if (err != AW_OK)
        token[0] = '\0';
    return err;
}
