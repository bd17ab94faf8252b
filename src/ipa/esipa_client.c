/* airwrite IPA: the ESipa client over HTTPS, ASN.1 binding (SGP.32 6.1
 * transport and headers, 6.3 EsipaMessageFromIpaToEim /
 * EsipaMessageFromEimToIpa); the JSON binding's translation is in
 * esipa_json_client.c. See esipa.h. */
#include "ipa/esipa_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sgp32_compact.h"

const char *ipa_esipa_binding_name(ipa_esipa_binding binding)
{
    switch (binding) {
    case IPA_ESIPA_BINDING_ASN1:
        return "asn1";
    case IPA_ESIPA_BINDING_JSON:
        return "json";
    }
    return NULL;
}

aw_err ipa_esipa_binding_parse(const char *name, ipa_esipa_binding *out)
{
    if (name != NULL && strcmp(name, "asn1") == 0)
        *out = IPA_ESIPA_BINDING_ASN1;
    else if (name != NULL && strcmp(name, "json") == 0)
        *out = IPA_ESIPA_BINDING_JSON;
    else
        return AW_ERR_ARGUMENT;
    return AW_OK;
}

static bool host_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > IPA_EIM_FQDN_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* "https://HOST[:PORT]" with no path, query or user part: the path is the
 * binding's (SGP.32 6.1). */
static bool base_url_valid(const char *url)
{
    if (strncmp(url, "https://", 8) != 0 || url[8] == '\0')
        return false;
    size_t len = strlen(url);
    if (len >= IPA_ESIPA_BASE_MAX)
        return false;
    return strpbrk(url + 8, "/?#@ \t\r\n") == NULL;
}

aw_err ipa_esipa_new(const ipa_esipa_config *config, ipa_esipa **out)
{
    *out = NULL;
    if (config == NULL || config->ca_file == NULL ||
        ipa_esipa_binding_name(config->binding) == NULL ||
        (config->eim_sgp32_v1_0 &&
         (config->minimize_esipa_bytes || config->binding == IPA_ESIPA_BINDING_JSON)))
        return AW_ERR_ARGUMENT;
    ipa_esipa *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    if (config->eim_url != NULL && base_url_valid(config->eim_url))
        snprintf(c->base, sizeof(c->base), "%s", config->eim_url);
    else if (config->eim_url == NULL && config->eim_fqdn != NULL &&
             host_name_valid(config->eim_fqdn))
        snprintf(c->base, sizeof(c->base), "https://%s", config->eim_fqdn);
    if (c->base[0] == '\0') {
        free(c);
        return AW_ERR_ARGUMENT;
    }
    c->binding = config->binding;
    c->minimize = config->minimize_esipa_bytes;
    c->v1_0 = config->eim_sgp32_v1_0;
    snprintf(c->url, sizeof(c->url), "%s%s", c->base,
             c->binding == IPA_ESIPA_BINDING_JSON ? IPA_ESIPA_JSON_PATH : IPA_ESIPA_PATH);
    http_client_config http = {
        .ca_file = config->ca_file,
        .connect_timeout_ms = config->connect_timeout_ms,
        .timeout_ms = config->timeout_ms,
        .max_response_size = config->max_response != 0 ? config->max_response
                                                        : IPA_ESIPA_DEFAULT_RESPONSE_MAX,
        .tls12_only = config->tls12_only,
    };
    aw_err err = http_client_new(&http, &c->http);
    if (err != AW_OK) {
        free(c);
        return err;
    }
    *out = c;
    return AW_OK;
}

aw_err ipa_esipa_new_custom(const ipa_esipa_http *http, size_t max_response, ipa_esipa **out)
{
    *out = NULL;
    if (http == NULL || http->post == NULL)
        return AW_ERR_ARGUMENT;
    ipa_esipa *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return AW_ERR_NOMEM;
    c->custom = *http;
    c->max_response = max_response != 0 ? max_response : IPA_ESIPA_DEFAULT_RESPONSE_MAX;
    *out = c;
    return AW_OK;
}

void ipa_esipa_free(ipa_esipa *client)
{
    if (client == NULL)
        return;
    http_client_response_free(client->response);
    http_client_free(client->http);
    free(client->translated);
    free(client);
}

const char *ipa_esipa_url(const ipa_esipa *client)
{
    return client->url;
}

const char *ipa_esipa_last_error(const ipa_esipa *client)
{
    return client->http != NULL ? http_client_last_error(client->http) : "";
}

/* Content-Type equal to the binding's, parameters (";...") allowed. */
static bool content_type_ok(const char *value)
{
    size_t n = strlen(IPA_ESIPA_CONTENT_TYPE);
    if (value == NULL || strncasecmp(value, IPA_ESIPA_CONTENT_TYPE, n) != 0)
        return false;
    const char *rest = value + n;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

aw_err ipa_esipa_decode_answer(int status, const char *content_type, const uint8_t *body,
                               size_t len, sgp32_esipa_eim_to_ipa_kind expected,
                               sgp32_esipa_message_from_eim_to_ipa *out)
{
    memset(out, 0, sizeof(*out));
    if (status != 200)
        return AW_ERR_IPA_ESIPA_HTTP_STATUS;
    if (!content_type_ok(content_type))
        return AW_ERR_IPA_ESIPA_RESPONSE;
    /* the core decoder refuses trailing bytes and malformed DER */
    if (sgp32_decode_esipa_message_from_eim_to_ipa(body, len, out) != AW_OK ||
        out->kind != expected) {
        memset(out, 0, sizeof(*out));
        return AW_ERR_IPA_ESIPA_RESPONSE;
    }
    return AW_OK;
}

aw_err ipa_esipa_post(ipa_esipa *client, const char *url, const char *content_type,
                      const uint8_t *body, size_t len, int *status, const char **answer_type,
                      aw_slice *answer)
{
    static const char *const response_headers[] = {"Content-Type"};
    http_client_response_free(client->response);
    client->response = NULL;
    if (client->http == NULL) {
        aw_err err = client->custom.post(client->custom.userdata, body, len, status,
                                         answer_type, answer);
        return err == AW_OK && answer->len > client->max_response ? AW_ERR_LIMIT : err;
    }
    /* SGP.32 6.1: the three request headers (6.4: the same with JSON) */
    const http_header headers[] = {
        {"Content-Type", content_type},
        {"User-Agent", IPA_ESIPA_USER_AGENT},
        {"X-Admin-Protocol", IPA_ESIPA_ADMIN_PROTOCOL},
    };
    http_client_request request = {
        .method = AW_HTTP_METHOD_POST,
        .url = url,
        .headers = headers,
        .header_count = sizeof(headers) / sizeof(headers[0]),
        .body = body,
        .body_len = len,
        .response_header_names = response_headers,
        .response_header_count = 1,
    };
    aw_err err = http_client_send(client->http, &request, &client->response);
    if (err != AW_OK)
        return err;
    *status = client->response->status;
    *answer_type = client->response->header_values[0];
    *answer = (aw_slice){client->response->body, client->response->body_len};
    return AW_OK;
}

bool ipa_esipa_minimizes(const ipa_esipa *client)
{
    return client != NULL && client->minimize;
}

static aw_err exchange_as_is(ipa_esipa *client, const uint8_t *body, size_t len,
                             sgp32_esipa_eim_to_ipa_kind expected,
                             sgp32_esipa_message_from_eim_to_ipa *answer)
{
    int status = 0;
    const char *type = NULL;
    aw_slice body_in = {NULL, 0};
    memset(answer, 0, sizeof(*answer));
    if (client->binding == IPA_ESIPA_BINDING_JSON)
        return ipa_esipa_json_exchange(client, body, len, expected, answer);
    aw_err err = ipa_esipa_post(client, client->url, IPA_ESIPA_CONTENT_TYPE, body, len, &status,
                                &type, &body_in);
    if (err != AW_OK)
        return err;
    return ipa_esipa_decode_answer(status, type, body_in.ptr, body_in.len, expected, answer);
}

/* minimizeEsipaBytes: the message's compact form, or for a v1.0 eIM its
 * v1.0 form (*storage freed by the caller), else the message itself. */
static aw_err minimized(const ipa_esipa *client, const uint8_t **message, size_t *len,
                        uint8_t **storage)
{
    *storage = NULL;
    if (!client->minimize && !client->v1_0)
        return AW_OK;
    size_t n = 0;
    aw_err err = client->v1_0
                     ? sgp32_convert_esipa_message_to_v1_0(*message, *len, storage, &n)
                     : sgp32_minimize_esipa_message(*message, *len, NULL, storage, &n);
    if (err == AW_OK) {
        *message = *storage;
        *len = n;
    }
    /* minimizing, a message whose parts are not the SGP.22 forms goes as it
     * is: the full forms stay valid for an IPA that minimizes */
    if (client->minimize && err != AW_OK && err != AW_ERR_NOMEM)
        err = AW_OK;
    return err;
}

aw_err ipa_esipa_exchange_der(ipa_esipa *client, const uint8_t *body, size_t len,
                              sgp32_esipa_eim_to_ipa_kind expected,
                              sgp32_esipa_message_from_eim_to_ipa *answer)
{
    uint8_t *storage = NULL;
    memset(answer, 0, sizeof(*answer));
    aw_err err = minimized(client, &body, &len, &storage);
    if (err == AW_OK)
        err = exchange_as_is(client, body, len, expected, answer);
    free(storage);
    return err;
}

static aw_err notify_as_is(ipa_esipa *client, const uint8_t *message, size_t len)
{
    int status = 0;
    const char *type = NULL;
    aw_slice body_in = {NULL, 0};
    if (client->binding == IPA_ESIPA_BINDING_JSON)
        return ipa_esipa_json_notify(client, message, len);
    aw_err err = ipa_esipa_post(client, client->url, IPA_ESIPA_CONTENT_TYPE, message, len,
                                &status, &type, &body_in);
    if (err != AW_OK)
        return err;
    /* SGP.32 6.1 / 6.3.2.4: HandleNotificationEsipa is answered 204 */
    return status == 204 ? AW_OK : AW_ERR_IPA_ESIPA_HTTP_STATUS;
}

aw_err ipa_esipa_notify(ipa_esipa *client, const uint8_t *message, size_t len)
{
    uint8_t *storage = NULL;
    aw_err err = minimized(client, &message, &len, &storage);
    if (err == AW_OK)
        err = notify_as_is(client, message, len);
    free(storage);
    return err;
}

aw_err ipa_esipa_exchange(ipa_esipa *client, const sgp32_esipa_message_from_ipa_to_eim *message,
                          sgp32_esipa_eim_to_ipa_kind expected,
                          sgp32_esipa_message_from_eim_to_ipa *answer)
{
    memset(answer, 0, sizeof(*answer));
    uint8_t *body = NULL;
    size_t len = 0;
    aw_err err = sgp32_encode_esipa_message_from_ipa_to_eim(message, &body, &len);
    if (err == AW_OK)
        err = ipa_esipa_exchange_der(client, body, len, expected, answer);
    free(body);
    return err;
}

aw_err ipa_eim_fqdn(ipa *session, char *fqdn, size_t cap)
{
    if (cap > 0)
        fqdn[0] = '\0';
    sgp32_get_eim_configuration_data_response *response = malloc(sizeof(*response));
    if (response == NULL)
        return AW_ERR_NOMEM;
    aw_err err = ipa_es10b_get_eim_configuration_data(session, NULL, response);
    if (err == AW_OK) {
        err = AW_ERR_NOT_FOUND;
        for (size_t i = 0; i < response->eim_configuration_count; i++) {
            const sgp32_eim_configuration_data *c = &response->eim_configurations[i];
            if (!c->has_eim_fqdn)
                continue;
            if (c->eim_fqdn.len >= cap) {
                err = AW_ERR_LIMIT;
            } else {
                memcpy(fqdn, c->eim_fqdn.ptr, c->eim_fqdn.len);
                fqdn[c->eim_fqdn.len] = '\0';
                err = AW_OK;
            }
            break;
        }
    }
    free(response);
    return err;
}
