/* airwrite core: SAIP personalisation fields: ICCID (ProfileHeader iccid and
 * EF.ICCID, ETSI TS 102 221 13.2), IMSI (EF.IMSI, 3GPP TS 31.102 4.2.2 with
 * the 3GPP TS 24.008 10.5.1.4 identity coding), MSISDN (EF.MSISDN, 3GPP
 * TS 31.102 4.2.26 / TS 51.011 10.5.1) and the AKA parameters
 * (PE-AKAParameter algoParameter). */
#include "core/saip_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#define ICCID_BYTES 10
#define IMSI_FILE_BYTES SAIP_IMSI_FILE_BYTES
#define MSISDN_NUMBER_BYTES SAIP_MSISDN_NUMBER_BYTES

/* ---- Value checks ----------------------------------------------------- */

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

aw_err saip_check_iccid(const char *iccid)
{
    /* ITU-T E.118 4.2: at most 19 digits plus the Luhn check digit; in
     * practice 19 or 20 digits in all */
    return iccid != NULL && all_digits(iccid, 19, 20) ? AW_OK : AW_ERR_SAIP_ICCID;
}

aw_err saip_check_imsi(const char *imsi)
{
    /* 3GPP TS 23.003 2.2: MCC (3) + MNC (2..3) + MSIN, at most 15 digits */
    return imsi != NULL && all_digits(imsi, 6, 15) ? AW_OK : AW_ERR_SAIP_IMSI;
}

aw_err saip_check_msisdn(const char *msisdn)
{
    if (msisdn == NULL)
        return AW_ERR_SAIP_MSISDN;
    if (msisdn[0] == '+')
        msisdn++;
    /* ITU-T E.164: at most 15 digits */
    return all_digits(msisdn, 1, 15) ? AW_OK : AW_ERR_SAIP_MSISDN;
}

char saip_iccid_check_digit(const char *digits, size_t n)
{
    unsigned sum = 0;
    /* Luhn: double every second digit counting left from the check digit */
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(digits[n - 1 - i] - '0');
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

bool saip_iccid_luhn_ok(const char *iccid)
{
    if (saip_check_iccid(iccid) != AW_OK)
        return false;
    size_t n = strlen(iccid);
    return iccid[n - 1] == saip_iccid_check_digit(iccid, n - 1);
}

aw_err saip_aka_check(const saip_aka *aka)
{
    if (aka == NULL)
        return AW_ERR_ARGUMENT;
    switch (aka->algorithm) {
    case SAIP_ALGORITHM_MILENAGE:
    case SAIP_ALGORITHM_TEST:
        /* 3GPP TS 35.206: K and OPc are 128 bits; the test algorithm
         * (3GPP TS 34.108 8.1.2) takes a 128-bit K, its OPc is ignored */
        return aka->key_len == 16 && aka->opc_len == 16 ? AW_OK : AW_ERR_SAIP_KEY_LENGTH;
    case SAIP_ALGORITHM_TUAK:
        /* 3GPP TS 35.231: K is 128 or 256 bits, TOPc 256 bits */
        return (aka->key_len == 16 || aka->key_len == 32) && aka->opc_len == 32
                   ? AW_OK
                   : AW_ERR_SAIP_KEY_LENGTH;
    default:
        return AW_ERR_SAIP_ALGORITHM;
    }
}

void saip_aka_cleanse(saip_aka *aka)
{
    if (aka != NULL)
        OPENSSL_cleanse(aka, sizeof(*aka));
}

/* ---- BCD -------------------------------------------------------------- */

/* Digits into BCD, first digit in the high nibble (swapped=false) or the
 * low nibble (swapped=true, ETSI TS 102 221 13.2), F padding. */
void saip_bcd_encode(const char *digits, uint8_t *out, size_t out_len, bool swapped)
{
    size_t n = strlen(digits);
    for (size_t i = 0; i < out_len; i++) {
        unsigned first = 2 * i < n ? (unsigned)(digits[2 * i] - '0') : 0xFu;
        unsigned second = 2 * i + 1 < n ? (unsigned)(digits[2 * i + 1] - '0') : 0xFu;
        out[i] = swapped ? (uint8_t)(second << 4 | first) : (uint8_t)(first << 4 | second);
    }
}

/* The reverse: digits until the F padding, which must run to the end.
 * Returns the digit count, or (size_t)-1 if the coding is not BCD. */
static size_t bcd_decode(const uint8_t *in, size_t in_len, bool swapped, char *out, size_t cap)
{
    size_t n = 0;
    bool padding = false;
    for (size_t i = 0; i < 2 * in_len; i++) {
        uint8_t byte = in[i / 2];
        bool low_first = swapped == (i % 2 == 0);
        unsigned nibble = low_first ? (byte & 0x0Fu) : (byte >> 4);
        if (nibble == 0xFu) {
            padding = true;
            continue;
        }
        if (padding || nibble > 9 || n + 1 >= cap)
            return (size_t)-1;
        out[n++] = (char)('0' + nibble);
    }
    out[n] = '\0';
    return n;
}

/* ---- ICCID ------------------------------------------------------------ */

/* Offset of the ProfileHeader iccid content in the header element. */
static aw_err header_iccid_offset(const saip_profile *p, size_t *offset)
{
    der_reader r;
    der_node n;
    if (p == NULL || p->count == 0)
        return AW_ERR_ARGUMENT;
    const struct saip_element *h = &p->elements[0];
    aw_err err = saip_element_open(h, &r);
    if (err != AW_OK)
        return err;
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_HEADER_ICCID && n.value.len == ICCID_BYTES) {
            *offset = (size_t)(n.value.ptr - h->der);
            return AW_OK;
        }
    }
    return AW_ERR_SAIP_HEADER;
}

/* EF.ICCID: PE-MF ef-iccid, else PE-IoT ef-iccid. */
static aw_err find_ef_iccid(const saip_profile *p, saip_file_ref *f)
{
    aw_err err = saip_file_find(p, SAIP_PE_MF, SAIP_MF_EF_ICCID, f);
    if (err == AW_ERR_NOT_FOUND)
        err = saip_file_find(p, SAIP_PE_IOT, SAIP_IOT_EF_ICCID, f);
    return err;
}

aw_err saip_get_iccid(const saip_profile *p, char out[SAIP_ICCID_TEXT])
{
    size_t offset;
    out[0] = '\0';
    aw_err err = header_iccid_offset(p, &offset);
    if (err != AW_OK)
        return err;
    char text[SAIP_ICCID_TEXT];
    size_t n = bcd_decode(p->elements[0].der + offset, ICCID_BYTES, false, text, sizeof(text));
    if (n == (size_t)-1 || saip_check_iccid(text) != AW_OK)
        return AW_ERR_SAIP_FIELD;
    /* EF.ICCID, when the profile gives its content, must say the same */
    saip_file_ref f;
    err = find_ef_iccid(p, &f);
    if (err == AW_OK) {
        uint8_t ef[ICCID_BYTES];
        bool defined;
        char ef_text[SAIP_ICCID_TEXT];
        err = saip_file_read(p, &f, 0, ef, sizeof(ef), &defined);
        if (err != AW_OK)
            return err;
        if (defined && (bcd_decode(ef, sizeof(ef), true, ef_text, sizeof(ef_text)) == (size_t)-1 ||
                        strcmp(ef_text, text) != 0))
            return AW_ERR_SAIP_FIELD;
    } else if (err != AW_ERR_NOT_FOUND) {
        return err;
    }
    memcpy(out, text, n + 1);
    return AW_OK;
}

aw_err saip_set_iccid(saip_profile *p, const char *iccid)
{
    size_t offset;
    aw_err err = saip_check_iccid(iccid);
    if (err != AW_OK)
        return err;
    err = header_iccid_offset(p, &offset);
    if (err != AW_OK)
        return err;
    /* SAIP ProfileHeader iccid: BCD in reading order, F-padded (as the
     * TS.48 test profiles code it); EF.ICCID nibble-swapped. */
    uint8_t plain[ICCID_BYTES], swapped[ICCID_BYTES];
    saip_bcd_encode(iccid, plain, sizeof(plain), false);
    saip_bcd_encode(iccid, swapped, sizeof(swapped), true);
    saip_file_ref f;
    err = find_ef_iccid(p, &f);
    if (err == AW_OK)
        err = saip_file_write(p, &f, 0, swapped, sizeof(swapped));
    else if (err == AW_ERR_NOT_FOUND)
        err = AW_OK;
    if (err == AW_OK)
        memcpy(p->elements[0].der + offset, plain, sizeof(plain));
    return err;
}

/* ---- IMSI ------------------------------------------------------------- */

static aw_err find_ef_imsi(const saip_profile *p, saip_file_ref *f)
{
    aw_err err = saip_file_find(p, SAIP_PE_USIM, SAIP_USIM_EF_IMSI, f);
    if (err == AW_ERR_NOT_FOUND)
        err = saip_file_find(p, SAIP_PE_IOT, SAIP_IOT_EF_IMSI, f);
    return err == AW_ERR_NOT_FOUND ? AW_ERR_SAIP_FIELD : err;
}

aw_err saip_get_imsi(const saip_profile *p, char out[SAIP_IMSI_TEXT])
{
    saip_file_ref f;
    uint8_t ef[IMSI_FILE_BYTES];
    bool defined;
    out[0] = '\0';
    aw_err err = find_ef_imsi(p, &f);
    if (err == AW_OK)
        err = saip_file_read(p, &f, 0, ef, sizeof(ef), &defined);
    if (err != AW_OK)
        return err;
    /* Byte 1: length; byte 2: digit 1 | odd/even | identity type 001 */
    size_t len = ef[0];
    if (len < 1 || len > 8 || (ef[1] & 0x07u) != 0x01u)
        return AW_ERR_SAIP_FIELD;
    bool odd = (ef[1] & 0x08u) != 0;
    char text[2 * 8];
    size_t n = 0;
    text[n++] = (char)('0' + (ef[1] >> 4));
    for (size_t i = 2; i <= len; i++) {
        text[n++] = (char)('0' + (ef[i] & 0x0Fu));
        if (i < len || odd)
            text[n++] = (char)('0' + (ef[i] >> 4));
        else if ((ef[i] >> 4) != 0xFu)
            return AW_ERR_SAIP_FIELD; /* even count: last high nibble is F */
    }
    text[n] = '\0';
    if ((n % 2 == 1) != odd || saip_check_imsi(text) != AW_OK)
        return AW_ERR_SAIP_FIELD;
    memcpy(out, text, n + 1);
    return AW_OK;
}

void saip_imsi_encode(const char *imsi, uint8_t out[SAIP_IMSI_FILE_BYTES])
{
    size_t n = strlen(imsi);
    memset(out, 0xFF, SAIP_IMSI_FILE_BYTES);
    out[0] = (uint8_t)((n + 2) / 2); /* digits plus the type nibble, in bytes */
    out[1] = (uint8_t)((unsigned)(imsi[0] - '0') << 4 | (n % 2 ? 0x09u : 0x01u));
    saip_bcd_encode(imsi + 1, out + 2, out[0] - 1u, true);
}

aw_err saip_set_imsi(saip_profile *p, const char *imsi)
{
    saip_file_ref f;
    aw_err err = saip_check_imsi(imsi);
    if (err != AW_OK)
        return err;
    err = find_ef_imsi(p, &f);
    if (err != AW_OK)
        return err;
    uint8_t ef[IMSI_FILE_BYTES];
    saip_imsi_encode(imsi, ef);
    return saip_file_write(p, &f, 0, ef, sizeof(ef));
}

/* ---- MSISDN ----------------------------------------------------------- */

/* EF.MSISDN (opt-usim ef-msisdn) and the offset of the number part of
 * record 1: the record ends with 14 bytes after X alpha-identifier bytes. */
static aw_err find_ef_msisdn(const saip_profile *p, saip_file_ref *f, size_t *number_offset)
{
    size_t record_len;
    aw_err err = saip_file_find(p, SAIP_PE_OPT_USIM, SAIP_OPT_USIM_EF_MSISDN, f);
    if (err != AW_OK)
        return err;
    err = saip_file_record_length(p, f, &record_len);
    if (err != AW_OK || record_len < MSISDN_NUMBER_BYTES)
        return AW_ERR_SAIP_FIELD;
    *number_offset = record_len - MSISDN_NUMBER_BYTES;
    return AW_OK;
}

aw_err saip_get_msisdn(const saip_profile *p, char out[SAIP_MSISDN_TEXT])
{
    saip_file_ref f;
    size_t at;
    uint8_t num[MSISDN_NUMBER_BYTES];
    bool defined;
    out[0] = '\0';
    aw_err err = find_ef_msisdn(p, &f, &at);
    if (err == AW_OK)
        err = saip_file_read(p, &f, at, num, sizeof(num), &defined);
    if (err != AW_OK)
        return err;
    if (num[0] == 0xFF || num[0] == 0x00)
        return AW_ERR_NOT_FOUND; /* empty record */
    if (num[0] < 2 || num[0] > 11)
        return AW_ERR_SAIP_FIELD;
    char text[SAIP_MSISDN_TEXT];
    size_t pos = 0;
    if ((num[1] & 0x70u) == 0x10u) /* TON international */
        text[pos++] = '+';
    size_t n = bcd_decode(num + 2, num[0] - 1u, true, text + pos, sizeof(text) - pos);
    if (n == (size_t)-1 || n == 0)
        return AW_ERR_SAIP_FIELD;
    memcpy(out, text, pos + n + 1);
    return AW_OK;
}

void saip_msisdn_encode(const char *msisdn, uint8_t out[SAIP_MSISDN_NUMBER_BYTES])
{
    bool international = msisdn[0] == '+';
    const char *digits = msisdn + (international ? 1 : 0);
    memset(out, 0xFF, SAIP_MSISDN_NUMBER_BYTES);
    out[0] = (uint8_t)(1 + (strlen(digits) + 1) / 2); /* TON/NPI + BCD bytes */
    out[1] = international ? 0x91 : 0x81;              /* TON, NPI ISDN/E.164 */
    saip_bcd_encode(digits, out + 2, 10, true);
}

aw_err saip_set_msisdn(saip_profile *p, const char *msisdn)
{
    saip_file_ref f;
    size_t at;
    aw_err err = saip_check_msisdn(msisdn);
    if (err != AW_OK)
        return err;
    err = find_ef_msisdn(p, &f, &at);
    if (err != AW_OK)
        return err;
    uint8_t num[MSISDN_NUMBER_BYTES];
    saip_msisdn_encode(msisdn, num);
    return saip_file_write(p, &f, at, num, sizeof(num));
}

/* ---- AKA parameters --------------------------------------------------- */

/* Offsets of algoConfiguration and its algoParameter in an akaParameter
 * element; AW_ERR_NOT_FOUND for a mappingParameter. */
static aw_err locate_algo_parameter(const struct saip_element *e, size_t *config, der_node *algo)
{
    der_reader r, cr;
    der_node n;
    aw_err err = saip_element_open(e, &r);
    if (err != AW_OK)
        return err;
    if (der_read_node(&r, &n) != AW_OK || der_read_node(&r, &n) != AW_OK ||
        n.tag != SAIP_TAG_AKA_ALGO_CONFIGURATION || der_reader_enter(&r, &n, &cr) != AW_OK ||
        der_read_node(&cr, algo) != AW_OK)
        return AW_ERR_SAIP_FORMAT;
    *config = (size_t)(n.raw.ptr - e->der);
    return algo->tag == SAIP_TAG_AKA_ALGO_PARAMETER ? AW_OK : AW_ERR_NOT_FOUND;
}

aw_err saip_get_aka(const saip_profile *p, saip_aka *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; p != NULL && i < p->count; i++) {
        const struct saip_element *e = &p->elements[i];
        size_t config;
        der_node algo, n;
        der_reader r, parent;
        if (e->type != SAIP_PE_AKA_PARAMETER)
            continue;
        aw_err err = locate_algo_parameter(e, &config, &algo);
        if (err == AW_ERR_NOT_FOUND)
            continue;
        der_reader_init(&parent, e->der, e->len);
        if (err != AW_OK || der_reader_enter(&parent, &algo, &r) != AW_OK)
            return AW_ERR_SAIP_FORMAT;
        /* saip_element_check fixed the order and sizes of these four */
        uint64_t id = 0;
        if (der_read_node(&r, &n) != AW_OK || der_node_get_uint64(&n, &id) != AW_OK)
            return AW_ERR_SAIP_FORMAT;
        if (id < SAIP_ALGORITHM_MILENAGE || id > SAIP_ALGORITHM_TEST)
            return AW_ERR_SAIP_ALGORITHM;
        out->algorithm = (saip_algorithm)id;
        if (der_read_node(&r, &n) != AW_OK || n.value.len != 1)
            return AW_ERR_SAIP_FORMAT;
        out->algorithm_options = n.value.ptr[0];
        if (der_read_node(&r, &n) != AW_OK || n.value.len > SAIP_AKA_KEY_MAX)
            return AW_ERR_SAIP_FORMAT;
        memcpy(out->key, n.value.ptr, n.value.len);
        out->key_len = n.value.len;
        if (der_read_node(&r, &n) != AW_OK || n.value.len > SAIP_AKA_KEY_MAX) {
            saip_aka_cleanse(out);
            return AW_ERR_SAIP_FORMAT;
        }
        memcpy(out->opc, n.value.ptr, n.value.len);
        out->opc_len = n.value.len;
        return AW_OK;
    }
    return AW_ERR_NOT_FOUND;
}

/* ServicesList flag the header must carry for this algorithm. */
static uint32_t algorithm_service(const saip_aka *aka)
{
    switch (aka->algorithm) {
    case SAIP_ALGORITHM_MILENAGE:
        return SAIP_TAG_SERVICE_MILENAGE;
    case SAIP_ALGORITHM_TUAK:
        return aka->key_len == 32 ? SAIP_TAG_SERVICE_TUAK256 : SAIP_TAG_SERVICE_TUAK128;
    default:
        return SAIP_TAG_SERVICE_TEST_ALGORITHM;
    }
}

/* Add a NULL to ProfileHeader eUICC-Mandatory-services in tag order,
 * unless present. */
static aw_err header_require_service(saip_profile *p, uint32_t service)
{
    der_reader r, sr;
    der_node n, s;
    const struct saip_element *h = &p->elements[0];
    aw_err err = saip_element_open(h, &r);
    if (err != AW_OK)
        return err;
    while ((err = der_read_node(&r, &n)) == AW_OK && n.tag != SAIP_TAG_HEADER_SERVICES)
        ;
    if (err != AW_OK || der_reader_enter(&r, &n, &sr) != AW_OK)
        return AW_ERR_SAIP_HEADER;
    size_t insert = (size_t)(n.value.ptr - h->der) + n.value.len;
    while (der_read_node(&sr, &s) == AW_OK) {
        if (s.tag == service)
            return AW_OK;
        if (s.tag > service) {
            insert = (size_t)(s.raw.ptr - h->der);
            break;
        }
    }
    const uint8_t null_tlv[2] = {(uint8_t)service, 0x00};
    size_t chain[2] = {0, (size_t)(n.raw.ptr - h->der)};
    return saip_element_splice(p, 0, chain, 2, insert, insert, null_tlv, sizeof(null_tlv));
}

/* Rewrite algorithmID, algorithmOptions, key and opc of one algoParameter,
 * copying its other components. */
static aw_err set_algo_parameter(saip_profile *p, size_t index, const saip_aka *aka)
{
    const struct saip_element *e = &p->elements[index];
    size_t config;
    der_node algo, n;
    der_reader r, parent;
    aw_err err = locate_algo_parameter(e, &config, &algo);
    if (err != AW_OK)
        return err;
    der_reader_init(&parent, e->der, e->len);
    if (der_reader_enter(&parent, &algo, &r) != AW_OK)
        return AW_ERR_SAIP_FORMAT;
    der_builder b;
    der_builder_init(&b);
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag == SAIP_TAG_ALGO_ID)
            der_put_int64(&b, SAIP_TAG_ALGO_ID, (int64_t)aka->algorithm);
        else if (n.tag == SAIP_TAG_ALGO_OPTIONS)
            der_put_tlv(&b, SAIP_TAG_ALGO_OPTIONS, &aka->algorithm_options, 1);
        else if (n.tag == SAIP_TAG_ALGO_KEY)
            der_put_tlv(&b, SAIP_TAG_ALGO_KEY, aka->key, aka->key_len);
        else if (n.tag == SAIP_TAG_ALGO_OPC)
            der_put_tlv(&b, SAIP_TAG_ALGO_OPC, aka->opc, aka->opc_len);
        else
            der_put_raw(&b, n.raw.ptr, n.raw.len);
    }
    uint8_t *value;
    size_t value_len;
    err = der_builder_finish(&b, &value, &value_len);
    if (err != AW_OK)
        return err;
    size_t chain[3] = {0, config, (size_t)(algo.raw.ptr - e->der)};
    size_t start = (size_t)(algo.value.ptr - e->der);
    err = saip_element_splice(p, index, chain, 3, start, start + algo.value.len, value, value_len);
    der_bytes_free(value, value_len);
    return err;
}

aw_err saip_set_aka(saip_profile *p, const saip_aka *aka)
{
    aw_err err = saip_aka_check(aka);
    if (err != AW_OK)
        return err;
    if (p == NULL || p->count == 0)
        return AW_ERR_ARGUMENT;
    bool found = false;
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].type != SAIP_PE_AKA_PARAMETER)
            continue;
        err = set_algo_parameter(p, i, aka);
        if (err == AW_ERR_NOT_FOUND)
            continue; /* mappingParameter: shares another NAA's keys */
        if (err != AW_OK)
            return err;
        found = true;
    }
    if (!found)
        return AW_ERR_NOT_FOUND;
    return header_require_service(p, algorithm_service(aka));
}
