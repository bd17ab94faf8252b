/* airwrite core: the TLS policy of airwrite's HTTPS endpoints (SGP.22 2.6.6
 * TLS; see http_server.h for the policy itself), shared by the server
 * context and the libcurl client configuration. Internal to aw_http. */
#ifndef AIRWRITE_CORE_HTTP_TLS_H
#define AIRWRITE_CORE_HTTP_TLS_H

#include <openssl/ssl.h>

#include "core/error.h"
#include "core/http_server.h"

/* TLS 1.2 suites: ECDHE with AEAD only (RFC 9325 4.2). */
#define HTTP_TLS12_CIPHERS                                                                  \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"                          \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:"                            \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"
/* TLS 1.3 suites (RFC 8446 9.1 plus ChaCha20). */
#define HTTP_TLS13_CIPHERS "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
/* Key exchange groups; brainpoolP256r1 for SGP.22 2.6.5 brainpool PKIs
 * (RFC 7027, TLS 1.2 only in OpenSSL 3.0). */
#define HTTP_TLS_GROUPS "X25519:P-256:P-384:brainpoolP256r1"

/* Build the server SSL_CTX from the configuration: policy, certificate chain
 * and key, optional client verification. AW_ERR_ARGUMENT when no certificate
 * or key is given, AW_ERR_HTTP_TLS_CONFIG when one cannot be loaded, AW_ERR_IO
 * for an unreadable file. */
aw_err http_tls_server_context(const http_server_config *config, SSL_CTX **out);

/* A client's certificate chain and private key (PEM files), loaded once
 * into a context that only holds them, with the key read by the same code
 * as the server's (EC keys through core/crypto_pem.c, so no unerased copy
 * is freed; libcurl would decode the key file with OpenSSL on every
 * connection). AW_ERR_HTTP_TLS_CONFIG when either cannot be loaded or they
 * do not match, AW_ERR_IO for an unreadable file. */
aw_err http_tls_client_credential(const char *certificate_file, const char *key_file,
                                  SSL_CTX **out);

/* Install the credential of http_tls_client_credential on a connection's
 * context (certificate, chain, key: shared by reference). 1 on success, as
 * OpenSSL counts. */
int http_tls_apply_client_credential(SSL_CTX *credential, SSL_CTX *ctx);

#endif
