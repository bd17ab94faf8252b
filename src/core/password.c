/* airwrite core: scrypt password hashing (RFC 7914) in the PHC string
 * format, constant-time verification and rehash detection (see password.h;
 * the policy is in password_policy.c). */
#include "core/password.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "core/base64.h"

static const char prefix[] = "$scrypt$";

aw_err password_parameters_check(const password_parameters *params)
{
    if (params == NULL || params->log2_n < PASSWORD_LOG2_N_MIN ||
        params->log2_n > PASSWORD_LOG2_N_MAX || params->r < PASSWORD_R_MIN ||
        params->r > PASSWORD_R_MAX || params->p < PASSWORD_P_MIN || params->p > PASSWORD_P_MAX)
        return AW_ERR_PASSWORD_PARAMETERS;
    /* RFC 7914 2: scrypt's V array takes 128 * r * N bytes. */
    uint64_t memory = 128u * (uint64_t)params->r << params->log2_n;
    if (memory > PASSWORD_MEMORY_MAX)
        return AW_ERR_PASSWORD_PARAMETERS;
    return AW_OK;
}

static aw_err derive(const char *password, size_t password_len, const password_parameters *params,
                     const uint8_t *salt, size_t salt_len, uint8_t *out, size_t out_len)
{
    aw_err err = AW_ERR_CRYPTO;
    uint64_t n = (uint64_t)1 << params->log2_n;
    uint32_t r = params->r;
    uint32_t p = params->p;
    /* Room for V (128 r N) and B (128 r p), with a margin for OpenSSL's own
     * accounting; the bounds in password_parameters_check keep it finite. */
    uint64_t maxmem = 128u * (uint64_t)r * (n + p) + 1024u * 1024u;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    if (ctx == NULL)
        goto cleanup;
    OSSL_PARAM list[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                          password_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_KDF_derive(ctx, out, out_len, list) == 1)
        err = AW_OK;
cleanup:
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    ERR_clear_error();
    return err;
}

/* base64 without padding, as the PHC format writes B64. */
static aw_err put_b64(const uint8_t *data, size_t len, char *out, size_t cap, size_t *pos)
{
    char text[2 * PASSWORD_HASH_MAX + 4];
    aw_err err = aw_base64_encode(data, len, text, sizeof(text));
    if (err != AW_OK)
        return err;
    size_t text_len = strlen(text);
    while (text_len > 0 && text[text_len - 1] == '=')
        text_len--;
    if (*pos + text_len + 1 > cap)
        return AW_ERR_BUFFER_TOO_SMALL;
    memcpy(out + *pos, text, text_len);
    *pos += text_len;
    out[*pos] = '\0';
    return AW_OK;
}

aw_err password_hash_with_salt(const char *password, const password_parameters *params,
                               const uint8_t *salt, size_t salt_len, size_t hash_len, char *out,
                               size_t out_cap)
{
    if (out != NULL && out_cap > 0)
        out[0] = '\0';
    if (password == NULL || out == NULL || salt == NULL || salt_len < PASSWORD_SALT_MIN ||
        salt_len > PASSWORD_SALT_MAX || hash_len < PASSWORD_HASH_MIN ||
        hash_len > PASSWORD_HASH_MAX)
        return AW_ERR_ARGUMENT;
    const password_parameters fallback = PASSWORD_DEFAULT_PARAMETERS;
    if (params == NULL)
        params = &fallback;
    aw_err err = password_parameters_check(params);
    if (err != AW_OK)
        return err;
    size_t password_len = strnlen(password, PASSWORD_BYTES_MAX + 1);
    if (password_len > PASSWORD_BYTES_MAX)
        return AW_ERR_PASSWORD_TOO_LONG;
    uint8_t hash[PASSWORD_HASH_MAX];
    if ((err = derive(password, password_len, params, salt, salt_len, hash, hash_len)) != AW_OK)
        goto cleanup;
    int n = snprintf(out, out_cap, "%sln=%u,r=%u,p=%u$", prefix, params->log2_n, params->r,
                     params->p);
    size_t pos = n > 0 ? (size_t)n : 0;
    if (n < 0 || pos >= out_cap) {
        err = AW_ERR_BUFFER_TOO_SMALL;
        goto cleanup;
    }
    if ((err = put_b64(salt, salt_len, out, out_cap, &pos)) != AW_OK)
        goto cleanup;
    if (pos + 2 > out_cap) {
        err = AW_ERR_BUFFER_TOO_SMALL;
        goto cleanup;
    }
    out[pos++] = '$';
    err = put_b64(hash, hash_len, out, out_cap, &pos);
cleanup:
    OPENSSL_cleanse(hash, sizeof(hash));
    if (err != AW_OK && out_cap > 0)
        out[0] = '\0';
    return err;
}

aw_err password_hash(const char *password, const password_parameters *params, char *out,
                     size_t out_cap)
{
    uint8_t salt[PASSWORD_SALT_SIZE];
    if (RAND_bytes(salt, sizeof(salt)) != 1) {
        ERR_clear_error();
        if (out != NULL && out_cap > 0)
            out[0] = '\0';
        return AW_ERR_CRYPTO;
    }
    return password_hash_with_salt(password, params, salt, sizeof(salt), PASSWORD_HASH_SIZE, out,
                                   out_cap);
}

/* "name=" then a decimal without sign or leading zero, at most 2 digits. */
static bool read_parameter(const char **cursor, const char *name, unsigned *value)
{
    size_t name_len = strlen(name);
    const char *s = *cursor;
    if (strncmp(s, name, name_len) != 0 || s[name_len] != '=')
        return false;
    s += name_len + 1;
    unsigned v = 0;
    size_t digits = 0;
    while (s[digits] >= '0' && s[digits] <= '9' && digits < 3) {
        v = v * 10 + (unsigned)(s[digits] - '0');
        digits++;
    }
    if (digits == 0 || digits > 2 || (digits > 1 && s[0] == '0'))
        return false;
    *value = v;
    *cursor = s + digits;
    return true;
}

static bool is_b64_symbol(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* Unpadded canonical base64 field ending at '$' or NUL. */
static bool read_b64(const char **cursor, char end, uint8_t *out, size_t min, size_t max,
                     size_t *out_len)
{
    const char *s = *cursor;
    size_t len = 0;
    /* the standard alphabet only: no '=' padding, no URL-safe symbols */
    while (is_b64_symbol(s[len]) && len <= 2 * PASSWORD_HASH_MAX)
        len++;
    if (s[len] != end || len % 4 == 1 || len > 2 * PASSWORD_HASH_MAX)
        return false;
    char padded[2 * PASSWORD_HASH_MAX + 4];
    memcpy(padded, s, len);
    size_t padded_len = len;
    while (padded_len % 4 != 0)
        padded[padded_len++] = '=';
    uint8_t buf[2 * PASSWORD_HASH_MAX];
    size_t n = 0;
    if (aw_base64_decode(padded, padded_len, buf, sizeof(buf), &n) != AW_OK || n < min || n > max)
        return false;
    memcpy(out, buf, n);
    *out_len = n;
    *cursor = s + len;
    return true;
}

aw_err password_parse(const char *stored, password_stored *out)
{
    if (out == NULL)
        return AW_ERR_ARGUMENT;
    memset(out, 0, sizeof(*out));
    if (stored == NULL || strnlen(stored, PASSWORD_STRING_MAX + 1) > PASSWORD_STRING_MAX ||
        strncmp(stored, prefix, sizeof(prefix) - 1) != 0)
        return AW_ERR_PASSWORD_FORMAT;
    const char *s = stored + sizeof(prefix) - 1;
    password_parameters params;
    if (!read_parameter(&s, "ln", &params.log2_n) || *s++ != ',' ||
        !read_parameter(&s, "r", &params.r) || *s++ != ',' ||
        !read_parameter(&s, "p", &params.p) || *s++ != '$' ||
        !read_b64(&s, '$', out->salt, PASSWORD_SALT_MIN, PASSWORD_SALT_MAX, &out->salt_len) ||
        *s++ != '$' ||
        !read_b64(&s, '\0', out->hash, PASSWORD_HASH_MIN, PASSWORD_HASH_MAX, &out->hash_len)) {
        memset(out, 0, sizeof(*out));
        return AW_ERR_PASSWORD_FORMAT;
    }
    aw_err err = password_parameters_check(&params);
    if (err != AW_OK) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    out->params = params;
    return AW_OK;
}

aw_err password_verify(const char *password, const char *stored)
{
    if (password == NULL)
        return AW_ERR_ARGUMENT;
    password_stored parsed;
    aw_err err = password_parse(stored, &parsed);
    if (err != AW_OK)
        return err;
    size_t password_len = strnlen(password, PASSWORD_BYTES_MAX + 1);
    if (password_len > PASSWORD_BYTES_MAX)
        return AW_ERR_PASSWORD_TOO_LONG;
    uint8_t hash[PASSWORD_HASH_MAX];
    err = derive(password, password_len, &parsed.params, parsed.salt, parsed.salt_len, hash,
                 parsed.hash_len);
    if (err == AW_OK && CRYPTO_memcmp(hash, parsed.hash, parsed.hash_len) != 0)
        err = AW_ERR_PASSWORD_MISMATCH;
    OPENSSL_cleanse(hash, sizeof(hash));
    return err;
}

aw_err password_needs_rehash(const char *stored, const password_parameters *current,
                             bool *needed)
{
    if (needed == NULL)
        return AW_ERR_ARGUMENT;
    *needed = false;
    const password_parameters fallback = PASSWORD_DEFAULT_PARAMETERS;
    if (current == NULL)
        current = &fallback;
    aw_err err = password_parameters_check(current);
    if (err != AW_OK)
        return err;
    password_stored parsed;
    if ((err = password_parse(stored, &parsed)) != AW_OK)
        return err;
    *needed = parsed.params.log2_n < current->log2_n || parsed.params.r < current->r ||
              parsed.params.p < current->p || parsed.salt_len < PASSWORD_SALT_SIZE ||
              parsed.hash_len < PASSWORD_HASH_SIZE;
    return AW_OK;
}
