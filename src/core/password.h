/* airwrite core: console user passwords: scrypt hashing (RFC 7914) in a
 * self-describing PHC string, constant-time verification, rehash detection,
 * and a password policy (T/CA group standard, security management: console
 * users authenticate with a password stored under a slow KDF; NIST SP
 * 800-63B 5.1.1.2 for the policy rules).
 *
 * Stored form (PHC string format, github.com/P-H-C/phc-string-format):
 *
 *     $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>
 *
 *   - ln, r, p: decimal, no sign, no leading zero; N = 2^ln is the CPU/memory
 *     cost, r the block size, p the parallelism (RFC 7914 2);
 *   - salt, hash: standard base64 (RFC 4648 4) without '=' padding, canonical
 *     (unused low bits zero); salt 8..64 bytes (16 random bytes when made
 *     here), hash 32..64 bytes (32 when made here: dkLen of RFC 7914 2 is
 *     the decoded hash length);
 *   - the password bytes (UTF-8, as typed, no normalisation) are scrypt's
 *     passphrase P, the decoded salt its S.
 * Example (RFC 7914 12, third vector):
 *     $scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/2o+7qQT44+
 *     qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw   (one line)
 * is "pleaseletmein" with salt "SodiumChloride", N=16384, r=8, p=1.
 *
 * Parameters: the default is ln=17, r=8, p=1 (128 MiB, the OWASP password
 * storage minimum for scrypt); the safe floor accepted everywhere, for new
 * hashes and for stored ones, is ln >= 14 and r >= 8 (16 MiB); the ceiling
 * ln <= 20, r <= 32, p <= 16 and 128 * r * N <= 1 GiB bounds what a stored
 * string can make the verifier spend (ln=20 only with r=8). Raising the configured parameters
 * later is detected by password_needs_rehash, so hashes are upgraded at the
 * user's next successful login.
 *
 * Password bytes are erased from every buffer this module makes; callers
 * erase their own copies (crypto_cleanse).
 */
#ifndef AIRWRITE_CORE_PASSWORD_H
#define AIRWRITE_CORE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PASSWORD_LOG2_N_MIN 14u
#define PASSWORD_LOG2_N_MAX 20u
#define PASSWORD_R_MIN 8u
#define PASSWORD_R_MAX 32u
#define PASSWORD_P_MIN 1u
#define PASSWORD_P_MAX 16u
#define PASSWORD_MEMORY_MAX (1024u * 1024u * 1024u) /* 128 * r * N, bytes */

#define PASSWORD_SALT_SIZE 16u      /* salt of new hashes */
#define PASSWORD_SALT_MIN 8u        /* accepted in stored strings */
#define PASSWORD_SALT_MAX 64u
#define PASSWORD_HASH_SIZE 32u      /* dkLen of new hashes */
#define PASSWORD_HASH_MIN 32u
#define PASSWORD_HASH_MAX 64u
/* Longest stored string: "$scrypt$ln=20,r=32,p=16$" + 86 + "$" + 86. */
#define PASSWORD_STRING_MAX 200u
/* Hard bound on password bytes hashed or checked (denial of service). */
#define PASSWORD_BYTES_MAX 1024u

typedef struct password_parameters {
    unsigned log2_n;   /* ln: N = 2^ln */
    unsigned r;
    unsigned p;
} password_parameters;

#define PASSWORD_DEFAULT_PARAMETERS ((password_parameters){.log2_n = 17, .r = 8, .p = 1})

/* AW_OK when the parameters are within the bounds above, else
 * AW_ERR_PASSWORD_PARAMETERS. */
aw_err password_parameters_check(const password_parameters *params);

/* Hash password with a fresh random salt into out (NUL-terminated PHC
 * string, at most PASSWORD_STRING_MAX characters). params NULL: default.
 * AW_ERR_PASSWORD_PARAMETERS, AW_ERR_PASSWORD_TOO_LONG (over
 * PASSWORD_BYTES_MAX), AW_ERR_BUFFER_TOO_SMALL, AW_ERR_CRYPTO. The policy is
 * not applied here: call password_policy_check when a user chooses one. */
aw_err password_hash(const char *password, const password_parameters *params, char *out,
                     size_t out_cap);

/* Same with a given salt (PASSWORD_SALT_MIN..PASSWORD_SALT_MAX bytes, else
 * AW_ERR_ARGUMENT) and hash length (PASSWORD_HASH_MIN..MAX): for known-answer
 * tests and migrations, never for new passwords. */
aw_err password_hash_with_salt(const char *password, const password_parameters *params,
                               const uint8_t *salt, size_t salt_len, size_t hash_len,
                               char *out, size_t out_cap);

/* A stored string taken apart (no secret: the hash is one-way). */
typedef struct password_stored {
    password_parameters params;
    uint8_t salt[PASSWORD_SALT_MAX];
    size_t salt_len;
    uint8_t hash[PASSWORD_HASH_MAX];
    size_t hash_len;
} password_stored;

/* Strict parse: AW_ERR_PASSWORD_FORMAT for anything but the form above,
 * AW_ERR_PASSWORD_PARAMETERS for parameters outside the bounds. */
aw_err password_parse(const char *stored, password_stored *out);

/* AW_OK when password matches stored (compared in constant time),
 * AW_ERR_PASSWORD_MISMATCH when it does not. For a user name that does not
 * exist, callers verify against a fixed hash made with the same parameters
 * anyway, so the answer time does not tell which accounts exist; and they
 * call throttle_check first (throttle.h). Other results:
 * AW_ERR_PASSWORD_FORMAT, AW_ERR_PASSWORD_PARAMETERS for a bad stored string,
 * AW_ERR_PASSWORD_TOO_LONG for a password over PASSWORD_BYTES_MAX. */
aw_err password_verify(const char *password, const char *stored);

/* *needed = true when stored was made with any of ln, r, p below current,
 * or with a salt or hash shorter than this module makes now: hash the
 * password again after a successful verify. Errors as password_parse. */
aw_err password_needs_rehash(const char *stored, const password_parameters *current,
                             bool *needed);

/* ---- Policy (NIST SP 800-63B 5.1.1.2) -------------------------------- */

typedef struct password_policy {
    size_t min_characters;  /* >= 8 (SP 800-63B); Unicode characters, not bytes */
    size_t max_characters;  /* >= min_characters, <= PASSWORD_BYTES_MAX */
} password_policy;

#define PASSWORD_POLICY_DEFAULT ((password_policy){.min_characters = 12, .max_characters = 128})

/* Check a password a user chose. In this order: AW_ERR_ARGUMENT for a bad
 * policy; AW_ERR_PASSWORD_ENCODING unless password and user name are valid
 * UTF-8 without control characters; AW_ERR_PASSWORD_TOO_SHORT,
 * AW_ERR_PASSWORD_TOO_LONG; AW_ERR_PASSWORD_USER_NAME when it equals the user
 * name ignoring ASCII case; AW_ERR_PASSWORD_COMMON when it is, ignoring ASCII
 * case, one of the built-in most common passwords. policy NULL: default. */
aw_err password_policy_check(const password_policy *policy, const char *user_name,
                             const char *password);

#endif
