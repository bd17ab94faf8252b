/* airwrite platform: the crypto suite of each app (issue 8, 商用密码), a
 * part of the one public header platform.h. An app is international
 * (HMAC-SHA256 request and callback signatures, SHA-256 body hash: the
 * scheme "AW-HMAC-SHA256" as before) or domestic (HMAC-SM3 with an SM3 body
 * hash, GB/T 32905 / GM/T 0042: the scheme "AW-HMAC-SM3"), chosen when the
 * app is created (airwrite-platform app-create --suite) and kept in the
 * column platform_apps.suite (db_migrate component "platform_suite").
 * docs/api-signature.md gives both schemes with a worked example each. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_SUITE_H
#define AIRWRITE_PLATFORM_PLATFORM_SUITE_H

#include "core/crypto_suite.h"

/* Optional request header naming the scheme the client signed with, and
 * the header every callback carries (docs/api-signature.md). */
#define PLATFORM_HEADER_SIGNATURE_ALGORITHM "X-AW-Signature-Algorithm"
#define PLATFORM_SIGNATURE_ALGORITHM_SM3 "AW-HMAC-SM3"

/* Add platform_apps.suite (component "platform_suite"); run by
 * platform_migrate after the platform's own tables. */
aw_err platform_suite_migrate(db_connection *db);

/* The suite of apps created without one (airwrite-platform app-create
 * without --suite): airwrited records its [crypto] suite here at start.
 * get: international when nothing is recorded. AW_ERR_SUITE_UNKNOWN for
 * another suite value. */
aw_err platform_suite_default_set(db_connection *db, crypto_suite suite, int64_t now_ms);
aw_err platform_suite_default_get(db_connection *db, crypto_suite *suite);

/* "AW-HMAC-SHA256" / "AW-HMAC-SM3": the first line of the canonical string
 * and the value of X-AW-Signature-Algorithm; NULL for another suite. */
const char *platform_signature_algorithm(crypto_suite suite);

/* Scheme name to suite (exact, case-sensitive). AW_ERR_PLATFORM_AUTH_HEADER
 * for any other text. */
aw_err platform_signature_algorithm_parse(const char *name, crypto_suite *suite);

/* platform_app_create with the app's suite (platform_app_create makes an
 * international app). AW_ERR_SUITE_UNKNOWN for another suite value; the
 * errors of platform_app_create. */
aw_err platform_app_create_suite(db_connection *db, const platform_key_ring *ring,
                                 const char *tenant, const platform_app_limits *limits,
                                 crypto_suite suite, int64_t now_ms, platform_app *app,
                                 char secret[PLATFORM_APP_SECRET_LENGTH + 1]);

/* The canonical string, signature and check of docs/api-signature.md under
 * suite's scheme (the first line, the body hash and the HMAC are the
 * suite's). AW_ERR_SUITE_UNKNOWN for another suite value; otherwise the
 * errors of the international functions (platform_signature_canonical,
 * _sign, _verify), which are these with CRYPTO_SUITE_INTERNATIONAL. */
aw_err platform_signature_canonical_suite(crypto_suite suite,
                                          const platform_signed_request *request,
                                          char **canonical);
aw_err platform_signature_sign_suite(crypto_suite suite, const platform_signed_request *request,
                                     const char *secret,
                                     char signature_hex[PLATFORM_SIGNATURE_HEX + 1]);
aw_err platform_signature_verify_suite(crypto_suite suite, const platform_signed_request *request,
                                       const char *secret,
                                       const uint8_t signature[PLATFORM_SIGNATURE_SIZE]);

/* The platform's check of a request of an app of suite app_suite
 * (api.c): the X-AW-Signature-Algorithm value (NULL: absent) must be the
 * app's scheme, then the signature must verify under it. AW_OK;
 * AW_ERR_PLATFORM_AUTH_HEADER: the header names no scheme;
 * AW_ERR_PLATFORM_SIGNATURE_SUITE: the header names the other suite's
 * scheme, or the signature does not verify under the app's scheme but does
 * under the other one (a client configured with the wrong suite);
 * AW_ERR_MAC: it verifies under neither. */
aw_err platform_signature_verify_app(crypto_suite app_suite, const char *algorithm_header,
                                     const platform_signed_request *request, const char *secret,
                                     const uint8_t signature[PLATFORM_SIGNATURE_SIZE]);

#endif
