/* airwrite core: the password policy for console users (NIST SP 800-63B
 * 5.1.1.2: a minimum length, no context-specific word such as the user
 * name, no value from a list of commonly used passwords). See password.h. */
#include "core/password.h"

#include <string.h>

#include "core/der.h"

/* The most common passwords of eight characters or more in public breach
 * corpora (the "top passwords" lists of NCSC / Have I Been Pwned and
 * SecLists), lower case. Shorter ones are refused by the minimum length. */
static const char *const common_passwords[] = {
    "password", "12345678", "123456789", "1234567890", "12345678910", "123456789012",
    "1234567891", "11111111", "111111111", "1111111111", "00000000", "0000000000",
    "87654321", "987654321", "0987654321", "88888888", "66666666", "123123123",
    "123321123", "12341234", "11223344", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y",
    "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx", "zaq1zaq1", "qwertyui", "qwertyuiop",
    "qwerty123", "qwerty1234", "qwerty123456", "qwertyuiop123", "asdfghjkl", "asdfasdf",
    "zxcvbnm123", "abcd1234", "abc12345", "abcdefgh", "abcdefg1", "aa123456",
    "a1b2c3d4", "password1", "password12", "password123", "password1234", "passw0rd",
    "p@ssw0rd", "p@ssword", "pa$$word", "password!", "iloveyou", "iloveyou1",
    "sunshine", "princess", "football", "baseball", "superman", "starwars",
    "whatever", "trustno1", "letmein1", "letmein123", "welcome1", "welcome123",
    "changeme", "changeme123", "administrator", "admin123", "admin1234", "admin12345",
    "administrator1", "root1234", "default1", "computer", "internet", "michelle",
    "jennifer", "charlie1", "liverpool", "chocolate", "butterfly", "pokemon1",
    "mustang1", "shadow12", "master12", "dragon12", "monkey123", "qazwsxedc",
    "q1w2e3r4", "q1w2e3r4t5", "1234qwer", "qwer1234", "987654321a", "123456789a",
    "a123456789", "1234567a", "12345qwert", "11111111a", "airwrite", "airwrite123",
};

/* Unicode characters of valid UTF-8 (already checked). */
static size_t count_characters(const char *text, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)text[i] & 0xC0u) != 0x80u)
            count++;
    return count;
}

/* Valid UTF-8 (RFC 3629) with no C0 control, DEL or C1 control. */
static bool is_printable_utf8(const char *text, size_t len)
{
    if (der_check_utf8((aw_slice){(const uint8_t *)text, len}, 0, PASSWORD_BYTES_MAX) != AW_OK)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20u || c == 0x7Fu)
            return false;
        /* C1 controls U+0080..U+009F are C2 80..C2 9F */
        if (c == 0xC2u && i + 1 < len && (unsigned char)text[i + 1] <= 0x9Fu)
            return false;
    }
    return true;
}

static bool equal_ignoring_ascii_case(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    for (size_t i = 0; i < a_len; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

aw_err password_policy_check(const password_policy *policy, const char *user_name,
                             const char *password)
{
    const password_policy fallback = PASSWORD_POLICY_DEFAULT;
    if (policy == NULL)
        policy = &fallback;
    if (policy->min_characters < 8 || policy->max_characters < policy->min_characters ||
        policy->max_characters > PASSWORD_BYTES_MAX || user_name == NULL || password == NULL)
        return AW_ERR_ARGUMENT;
    size_t len = strnlen(password, PASSWORD_BYTES_MAX + 1);
    if (len > PASSWORD_BYTES_MAX)
        return AW_ERR_PASSWORD_TOO_LONG;
    size_t user_len = strnlen(user_name, PASSWORD_BYTES_MAX + 1);
    if (user_len > PASSWORD_BYTES_MAX || !is_printable_utf8(user_name, user_len) ||
        !is_printable_utf8(password, len))
        return AW_ERR_PASSWORD_ENCODING;
    size_t characters = count_characters(password, len);
    if (characters < policy->min_characters)
        return AW_ERR_PASSWORD_TOO_SHORT;
    if (characters > policy->max_characters)
        return AW_ERR_PASSWORD_TOO_LONG;
    if (equal_ignoring_ascii_case(password, len, user_name, user_len))
        return AW_ERR_PASSWORD_USER_NAME;
    for (size_t i = 0; i < sizeof(common_passwords) / sizeof(common_passwords[0]); i++)
        if (equal_ignoring_ascii_case(password, len, common_passwords[i],
                                      strlen(common_passwords[i])))
            return AW_ERR_PASSWORD_COMMON;
    return AW_OK;
}
