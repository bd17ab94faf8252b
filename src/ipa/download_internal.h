/* airwrite IPA: the seam between the download procedure (download.c) and
 * the server it talks to: the SM-DP+ over ES9+ (download_es9p.c) or the eIM
 * over ESipa (download_esipa.c). Internal to src/ipa. */
#ifndef AIRWRITE_IPA_DOWNLOAD_INTERNAL_H
#define AIRWRITE_IPA_DOWNLOAD_INTERNAL_H

#include "ipa/download.h"

#define DOWNLOAD_TRANSACTION_ID_MAX 16u /* TransactionId OCTET STRING (SIZE(1..16)) */

/* The InitiateAuthentication answer, slices into the server's buffer. */
typedef struct download_initiated {
    uint8_t transaction_id[DOWNLOAD_TRANSACTION_ID_MAX];
    size_t transaction_id_len;
    aw_slice server_signed1, server_signature1, ci_pkid, server_certificate; /* TLVs */
    bool has_matching_id;  /* ESipa: the eIM's matchingId */
    aw_slice matching_id;
    bool has_ctx_params1;  /* ESipa: the eIM's ctxParams1, the inner CHOICE TLV */
    aw_slice ctx_params1;
} download_initiated;

/* The AuthenticateClient answer (the SM-DP+'s [0] alternative). */
typedef struct download_authenticated {
    aw_slice smdp_signed2, smdp_signature2, smdp_certificate; /* TLVs */
    bool has_hash_cc;      /* ESipa: hashCc computed by the eIM */
    aw_slice hash_cc;
} download_authenticated;

/* One server. Each function returns AW_ERR_IPA_DOWNLOAD_REJECTED after
 * setting result->subject_code / reason_code / error_code /
 * error_response when the server answers with a defined error; other
 * errors are network or malformed answers. Slices stay valid until the
 * next call on the server. */
typedef struct download_server_ops {
    aw_err (*initiate)(void *server, const uint8_t challenge[16], aw_slice euicc_info1,
                       const char *smdp_address, download_initiated *out,
                       ipa_download_result *result);
    aw_err (*authenticate_client)(void *server, const download_initiated *session,
                                  aw_slice authenticate_server_response,
                                  download_authenticated *out, ipa_download_result *result);
    aw_err (*get_bound_profile_package)(void *server, const download_initiated *session,
                                        aw_slice prepare_download_response, aw_slice *bpp,
                                        ipa_download_result *result);
    /* cancel_session_response: the ES10b answer (BF41) */
    aw_err (*cancel_session)(void *server, const download_initiated *session,
                             aw_slice cancel_session_response);
    aw_err (*handle_notification)(void *server, aw_slice pending_notification);
} download_server_ops;

/* The procedure of download.h over one server. smdp_address NULL: the
 * server knows it (indirect, contactDefaultSmdp); matching_id NULL: none;
 * smdp_oid NULL or "": not checked. */
aw_err download_run(ipa *session, const ipa_download_config *config,
                    const download_server_ops *ops, void *server, const char *smdp_address,
                    const char *matching_id, const char *smdp_oid, ipa_download_result *result);

/* Keep a copy of bytes as result->error_response (replacing any). */
aw_err download_keep_error_response(ipa_download_result *result, const uint8_t *bytes,
                                    size_t len);

/* The SM-DP+'s base URL: a route of config, else https://<address>
 * (SGP.22 6.1). AW_ERR_ARGUMENT for a route not https:// or too long. */
aw_err download_base_url(const ipa_download_config *config, const char *address, char *out,
                         size_t cap);

/* ES9+.HandleNotification (SGP.22 5.6.4) of one PendingNotification TLV to
 * the SM-DP+ at base_url: AW_OK once it accepted it,
 * AW_ERR_IPA_DOWNLOAD_REJECTED for a Failed (or Expired) status, the errors
 * of es9p_client_call otherwise. */
aw_err download_es9p_notify(http_client *http, const char *base_url, aw_slice pending);

/* ESipa.HandleNotification (SGP.32 6.3.2.4) of one PendingNotification TLV
 * to the eIM, which relays it: AW_OK once the eIM answered 204, the errors
 * of ipa_esipa_notify otherwise. */
aw_err download_esipa_notify(ipa_esipa *client, aw_slice pending);

/* An HTTP client for one server from config and its CA file. */
aw_err download_http_client(const ipa_download_config *config, const char *ca_file,
                            size_t max_response, http_client **out);

#endif
