/* airwrite IPA (internal): the ESipa client shared by esipa_client.c (HTTPS,
 * ASN.1 binding) and esipa_json_client.c (the JSON binding's translation,
 * SGP.32 6.4). */
#ifndef AIRWRITE_IPA_ESIPA_INTERNAL_H
#define AIRWRITE_IPA_ESIPA_INTERNAL_H

#include "core/http_client.h"
#include "ipa/ipa.h"

#define IPA_ESIPA_JSON_PATH "/gsma/rsp2/esipa/"       /* SGP.32 6.4.1 */
#define IPA_ESIPA_BASE_MAX (8 + IPA_EIM_FQDN_MAX + 7) /* "https://" host ":port" */
#define IPA_ESIPA_URL_MAX (IPA_ESIPA_BASE_MAX + 32)

struct ipa_esipa {
    http_client *http;              /* NULL for a custom client */
    http_client_response *response; /* the last answer, which *answer points into */
    ipa_esipa_http custom;
    size_t max_response;
    ipa_esipa_binding binding;
    bool minimize;                  /* minimizeEsipaBytes: compact forms sent */
    bool v1_0;                      /* SGP.32 v1.0 eIM: v1.0 forms sent */
    char base[IPA_ESIPA_BASE_MAX];  /* "https://host[:port]" */
    char url[IPA_ESIPA_URL_MAX];    /* the ASN.1 endpoint, or the JSON paths' prefix */
    uint8_t *translated;            /* JSON binding: the last answer as ASN.1 */
    size_t translated_len;
};

/* POST body to url with content_type (SGP.32 6.1 request headers) and
 * return the answer's status, Content-Type and body, valid until the next
 * POST on client. */
aw_err ipa_esipa_post(ipa_esipa *client, const char *url, const char *content_type,
                      const uint8_t *body, size_t len, int *status, const char **answer_type,
                      aw_slice *answer);

/* The JSON binding's exchange and notification (esipa_json_client.c),
 * as ipa_esipa_exchange_der and ipa_esipa_notify. */
aw_err ipa_esipa_json_exchange(ipa_esipa *client, const uint8_t *message, size_t len,
                               sgp32_esipa_eim_to_ipa_kind expected,
                               sgp32_esipa_message_from_eim_to_ipa *answer);
aw_err ipa_esipa_json_notify(ipa_esipa *client, const uint8_t *message, size_t len);

#endif
