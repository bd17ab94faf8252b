/* airwrite core: server TLS context for the HTTPS endpoints (SGP.22 2.6.6
 * TLS; policy documented in http_server.h). */
#include "core/http_tls.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/crypto_internal.h"
#include "core/file.h"

/* Upper bound on a PEM certificate chain or key file. */
#define HTTP_TLS_PEM_MAX (256u * 1024u)
/* Client chains are CI -> leaf in the RSP PKI; allow one intermediate more. */
#define HTTP_TLS_VERIFY_DEPTH 4

/* Distinguishes sessions of this context for resumption with client
 * verification (OpenSSL refuses to resume without one). */
static const unsigned char session_context[] = "airwrite-https";

/* Signature algorithms in handshakes and client CertificateVerify: SHA-2
 * only (no SHA-1 or SHA-224; RFC 9155). ECDSA for the RSP certificates of
 * both curves (brainpool over TLS 1.2 signs with ECDSA+SHA256), RSA-PSS and
 * PKCS#1 for operator client certificates that may be RSA. */
#define HTTP_TLS_SIGALGS                                                                       \
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:"         \
    "rsa_pss_rsae_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"           \
    "RSA+SHA256:RSA+SHA384:RSA+SHA512"
/* OpenSSL security level 2 (112-bit keys: no RSA-1024 client certificate
 * in mutual TLS) whatever the system openssl.cnf says. */
#define HTTP_TLS_SECURITY_LEVEL 2

static aw_err apply_policy(SSL_CTX *ctx)
{
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(ctx, HTTP_TLS12_CIPHERS) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, HTTP_TLS13_CIPHERS) != 1 ||
        SSL_CTX_set1_groups_list(ctx, HTTP_TLS_GROUPS) != 1 ||
        SSL_CTX_set1_sigalgs_list(ctx, HTTP_TLS_SIGALGS) != 1 ||
        SSL_CTX_set_session_id_context(ctx, session_context, sizeof(session_context) - 1) != 1)
        return AW_ERR_HTTP_TLS_CONFIG;
    SSL_CTX_set_security_level(ctx, HTTP_TLS_SECURITY_LEVEL);
    /* No TLS 1.2 session tickets: OpenSSL's ticket key lives as long as the
     * context and is never rotated, which would weaken forward secrecy for
     * the daemon's whole life; resumption uses the session-ID cache (TLS
     * 1.3 tickets become stateful with this option). */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    return AW_OK;
}

/* PEM text from memory or from a file (loaded whole, bounded). *owned is the
 * buffer to cleanse and free afterwards, or NULL. */
static aw_err pem_source(const char *pem, size_t pem_len, const char *file, const char **text,
                         size_t *len, uint8_t **owned)
{
    *owned = NULL;
    if (pem != NULL) {
        *text = pem;
        *len = pem_len;
        return AW_OK;
    }
    if (file == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = aw_file_read(file, HTTP_TLS_PEM_MAX, owned, len);
    if (err != AW_OK)
        return err == AW_ERR_NOMEM ? err : AW_ERR_IO;
    *text = (const char *)*owned;
    return AW_OK;
}

static aw_err load_chain(SSL_CTX *ctx, const char *text, size_t len)
{
    aw_err err = AW_ERR_HTTP_TLS_CONFIG;
    X509 *cert = NULL;
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    if (bio == NULL || len > HTTP_TLS_PEM_MAX) {
        err = bio == NULL ? AW_ERR_NOMEM : AW_ERR_HTTP_TLS_CONFIG;
        goto cleanup;
    }
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert == NULL || SSL_CTX_use_certificate(ctx, cert) != 1)
        goto cleanup;
    X509_free(cert);
    /* Further certificates are the chain towards the CA. */
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, cert) != 1)
            goto cleanup;
    }
    err = AW_OK;
cleanup:
    X509_free(cert);
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

/* Library code never prompts for a passphrase: encrypted keys are refused. */
static int refuse_password(char *buf, int size, int rwflag, void *userdata)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)userdata;
    return -1;
}

/* The server's private key. EC keys on the RSP curves are decoded by
 * core/crypto_pem.c (crypto_key_load_private_pem), which erases every copy
 * of the key it frees; OpenSSL 3.0's decoders do not. Other keys (an RSA or
 * P-384 key from a public CA for the northbound API) go through OpenSSL. */
static aw_err load_key(SSL_CTX *ctx, const char *text, size_t len)
{
    aw_err err = AW_ERR_HTTP_TLS_CONFIG;
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;
    crypto_key *ec = NULL;
    if (len > HTTP_TLS_PEM_MAX)
        goto cleanup;
    aw_err loaded = crypto_key_load_private_pem((const uint8_t *)text, len, &ec);
    if (loaded == AW_ERR_NOMEM) {
        err = loaded;
        goto cleanup;
    }
    if (loaded == AW_OK) {
        key = ec->pkey;
        EVP_PKEY_up_ref(key);
    } else {
        if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
            err = AW_ERR_NOMEM;
            goto cleanup;
        }
        key = PEM_read_bio_PrivateKey(bio, NULL, refuse_password, NULL);
    }
    if (key == NULL || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto cleanup;
    err = AW_OK;
cleanup:
    crypto_key_free(ec);
    EVP_PKEY_free(key);
    BIO_free(bio);
    ERR_clear_error();
    return err;
}

/* OpenSSL 3.0 cannot sign a TLS 1.3 handshake with a brainpool key (the
 * RFC 8734 signature schemes came with OpenSSL 3.2): cap such servers at
 * TLS 1.2, where ECDSA+SHA256 covers any curve the client offers (RFC 7027). */
static aw_err cap_for_brainpool(SSL_CTX *ctx)
{
    X509 *leaf = SSL_CTX_get0_certificate(ctx);
    EVP_PKEY *key = leaf != NULL ? X509_get0_pubkey(leaf) : NULL;
    char group[64];
    size_t group_len = 0;
    if (key == NULL)
        return AW_ERR_HTTP_TLS_CONFIG;
    if (EVP_PKEY_get_group_name(key, group, sizeof(group), &group_len) != 1) {
        ERR_clear_error();
        return AW_OK; /* not an EC key: nothing to cap */
    }
    if (strncmp(group, "brainpool", 9) == 0 &&
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION) != 1)
        return AW_ERR_HTTP_TLS_CONFIG;
    return AW_OK;
}

static aw_err require_client_certificates(SSL_CTX *ctx, const char *ca_file)
{
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca_file);
    if (names == NULL || SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        ERR_clear_error();
        return AW_ERR_HTTP_TLS_CONFIG;
    }
    /* CertificateRequest names the accepted CAs (RFC 8446 4.2.4). */
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(ctx, HTTP_TLS_VERIFY_DEPTH);
    return AW_OK;
}

aw_err http_tls_server_context(const http_server_config *config, SSL_CTX **out)
{
    *out = NULL;
    const char *text = NULL;
    size_t len = 0;
    uint8_t *owned = NULL;
    aw_err err = AW_ERR_NOMEM;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        goto cleanup;
    if ((err = apply_policy(ctx)) != AW_OK)
        goto cleanup;
    if ((err = pem_source(config->certificate_pem, config->certificate_pem_len,
                          config->certificate_file, &text, &len, &owned)) != AW_OK)
        goto cleanup;
    err = load_chain(ctx, text, len);
    free(owned);
    owned = NULL;
    if (err != AW_OK)
        goto cleanup;
    if ((err = pem_source(config->key_pem, config->key_pem_len, config->key_file, &text, &len,
                          &owned)) != AW_OK)
        goto cleanup;
    err = load_key(ctx, text, len);
    if (err != AW_OK)
        goto cleanup;
    if ((err = cap_for_brainpool(ctx)) != AW_OK)
        goto cleanup;
    if (config->client_ca_file != NULL &&
        (err = require_client_certificates(ctx, config->client_ca_file)) != AW_OK)
        goto cleanup;
    *out = ctx;
    ctx = NULL;
cleanup:
    if (owned != NULL) {
        OPENSSL_cleanse(owned, len); /* the private key */
        free(owned);
    }
    SSL_CTX_free(ctx);
    return err;
}

aw_err http_tls_client_credential(const char *certificate_file, const char *key_file,
                                  SSL_CTX **out)
{
    *out = NULL;
    const char *text = NULL;
    size_t len = 0;
    uint8_t *owned = NULL;
    aw_err err = AW_ERR_NOMEM;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL)
        goto cleanup;
    if ((err = pem_source(NULL, 0, certificate_file, &text, &len, &owned)) != AW_OK)
        goto cleanup;
    err = load_chain(ctx, text, len);
    free(owned);
    owned = NULL;
    if (err != AW_OK)
        goto cleanup;
    if ((err = pem_source(NULL, 0, key_file, &text, &len, &owned)) != AW_OK)
        goto cleanup;
    if ((err = load_key(ctx, text, len)) != AW_OK)
        goto cleanup;
    *out = ctx;
    ctx = NULL;
cleanup:
    if (owned != NULL) {
        OPENSSL_cleanse(owned, len); /* the private key */
        free(owned);
    }
    SSL_CTX_free(ctx);
    return err;
}

int http_tls_apply_client_credential(SSL_CTX *credential, SSL_CTX *ctx)
{
    X509 *leaf = SSL_CTX_get0_certificate(credential);
    EVP_PKEY *key = SSL_CTX_get0_privatekey(credential);
    STACK_OF(X509) *chain = NULL;
    if (leaf == NULL || key == NULL || SSL_CTX_get0_chain_certs(credential, &chain) != 1
        || SSL_CTX_use_certificate(ctx, leaf) != 1)
        return 0;
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) != 1)
            return 0;
    return SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
}
