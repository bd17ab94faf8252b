/* airwrite core: builder of a minimal SAIP USIM profile package (TCA eUICC
 * Profile Package: Interoperable Format Technical Specification,
 * PE_Definitions 3.3.1). Template-based PEs use the SAIP file system
 * templates 2.23.143.1.2.n (MF .1, DF.TELECOM .3, ADF.USIM .4, optional
 * USIM files .5); EF contents follow ETSI TS 102 221 (EF.ICCID, EF.DIR,
 * EF.ARR) and 3GPP TS 31.102 (EF.IMSI, EF.UST, EF.SPN, EF.EST, EF.ACC,
 * EF.AD, EF.ECC, EF.MSISDN). Access rules, PIN attributes and the PIN
 * status templates take the values of the GSMA TS.48 generic test profiles.
 */
#include "core/saip_internal.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/hex.h"

/* SAIP file system templates: 2.23.143.1.2.n */
#define TEMPLATE_MF 1
#define TEMPLATE_TELECOM 3
#define TEMPLATE_USIM 4
#define TEMPLATE_OPT_USIM 5

/* File components used by the builder (template positions) */
#define MF_FILE_MF 2
#define MF_FILE_EF_DIR 5
#define MF_FILE_EF_ARR 6
#define TELECOM_FILE_DF 2
#define USIM_FILE_ADF 2
#define USIM_FILE_EF_ARR 4
#define USIM_FILE_EF_UST 8
#define USIM_FILE_EF_SPN 13
#define USIM_FILE_EF_EST 14
#define USIM_FILE_EF_ACC 18
#define USIM_FILE_EF_AD 21
#define USIM_FILE_EF_ECC 22

/* PIN/PUK key references (PE_Definitions PINKeyReferenceValue) */
#define KEY_PIN1 0x01
#define KEY_ADM1 0x0A
#define KEY_PIN2 0x81 /* secondPINAppl1: the USIM's local PIN */
#define KEY_PUK1 0x01
#define KEY_PUK2 0x81

/* EF.ARR records (ETSI TS 102 221 9.2.4 expanded format). AM_DO 80 with
 * access mode byte; SC_DO 90 00 "always", A4 CRT with key reference 83 and
 * usage qualifier 95. Record n is referenced as (ARR FID, n). */
#define ARR_RECORD_LENGTH 0x20
#define ARR_ADMIN 1       /* everything ADM1 */
#define ARR_READ_ALWAYS 2 /* read always, the rest ADM1 */
#define ARR_PIN_UPDATE 3  /* read and update PIN1, the rest ADM1 */
#define ARR_PIN_READ 4    /* read PIN1, the rest ADM1 */
static const uint8_t arr_admin[] = {0x80, 0x01, 0x7F, 0xA4, 0x06, 0x83, 0x01, KEY_ADM1, 0x95, 0x01, 0x08};
static const uint8_t arr_read_always[] = {
    0x80, 0x01, 0x01, 0x90, 0x00,
    0x80, 0x01, 0x7E, 0xA4, 0x06, 0x83, 0x01, KEY_ADM1, 0x95, 0x01, 0x08};
static const uint8_t arr_pin_update[] = {
    0x80, 0x01, 0x03, 0xA4, 0x06, 0x83, 0x01, KEY_PIN1, 0x95, 0x01, 0x08,
    0x80, 0x01, 0x7C, 0xA4, 0x06, 0x83, 0x01, KEY_ADM1, 0x95, 0x01, 0x08};
static const uint8_t arr_pin_read[] = {
    0x80, 0x01, 0x01, 0xA4, 0x06, 0x83, 0x01, KEY_PIN1, 0x95, 0x01, 0x08,
    0x80, 0x01, 0x7E, 0xA4, 0x06, 0x83, 0x01, KEY_ADM1, 0x95, 0x01, 0x08};

/* USIM AID (ETSI TS 101 220 Annex E: RID A000000087, PIX 1002...) */
static const uint8_t usim_aid[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02,
                                   0xFF, 0x49, 0xFF, 0x05, 0x89};

/* ETSI TS 102 222 file descriptor bytes: shareable working EF */
#define FDB_TRANSPARENT 0x41
#define FDB_LINEAR_FIXED 0x42
#define DATA_CODING 0x21

/* Validated parameters in the form the files take. */
typedef struct build_values {
    uint8_t iccid_plain[10];
    uint8_t iccid_swapped[10];
    uint8_t imsi[SAIP_IMSI_FILE_BYTES];
    uint8_t acc[2];
    uint8_t spn[17];
    uint8_t mnc_length;
    uint8_t msisdn[14 + SAIP_MSISDN_NUMBER_BYTES]; /* alpha X = 14 */
    bool has_msisdn;
    uint8_t pin1[8], pin2[8], puk1[8], puk2[8], adm1[8];
} build_values;

/* PIN, PUK or ADM value: ASCII digits padded with 0xFF (ETSI TS 102 221
 * 9.5.1), or for the ADM key optionally 16 hex digits taken as raw bytes. */
static aw_err code_value(const char *s, size_t min, size_t max, bool hex_allowed, uint8_t out[8])
{
    if (s == NULL)
        return AW_ERR_ARGUMENT;
    size_t n = strlen(s);
    size_t got;
    if (hex_allowed && n == 16 && aw_hex_decode(s, out, 8, &got) == AW_OK && got == 8)
        return AW_OK;
    if (n < min || n > max)
        return AW_ERR_SAIP_VALUE;
    memset(out, 0xFF, 8);
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return AW_ERR_SAIP_VALUE;
        out[i] = (uint8_t)s[i];
    }
    return AW_OK;
}

static aw_err prepare(const saip_build_params *pa, build_values *v)
{
    memset(v, 0, sizeof(*v));
    if (pa->iccid == NULL || pa->imsi == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = saip_check_iccid(pa->iccid);
    if (err == AW_OK)
        err = saip_check_imsi(pa->imsi);
    if (err == AW_OK && pa->msisdn != NULL)
        err = saip_check_msisdn(pa->msisdn);
    if (err == AW_OK)
        err = saip_aka_check(&pa->aka);
    if (err == AW_OK)
        err = code_value(pa->pin1, 4, 8, false, v->pin1);
    if (err == AW_OK)
        err = code_value(pa->pin2, 4, 8, false, v->pin2);
    if (err == AW_OK)
        err = code_value(pa->puk1, 8, 8, false, v->puk1);
    if (err == AW_OK)
        err = code_value(pa->puk2, 8, 8, false, v->puk2);
    if (err == AW_OK)
        err = code_value(pa->adm1, 8, 8, true, v->adm1);
    if (err != AW_OK)
        return err;
    if (pa->mnc_length != 0 && pa->mnc_length != 2 && pa->mnc_length != 3)
        return AW_ERR_SAIP_VALUE;
    v->mnc_length = (uint8_t)(pa->mnc_length ? pa->mnc_length : 2);
    if (pa->profile_type != NULL) {
        size_t n = strlen(pa->profile_type);
        if (n < 1 || n > 100)
            return AW_ERR_SAIP_VALUE;
        for (size_t i = 0; i < n; i++)
            if (pa->profile_type[i] < 0x20 || pa->profile_type[i] > 0x7E)
                return AW_ERR_SAIP_VALUE;
    }

    /* ICCID: header in reading order, EF.ICCID nibble-swapped */
    saip_bcd_encode(pa->iccid, v->iccid_plain, sizeof(v->iccid_plain), false);
    saip_bcd_encode(pa->iccid, v->iccid_swapped, sizeof(v->iccid_swapped), true);
    saip_imsi_encode(pa->imsi, v->imsi);
    size_t n = strlen(pa->imsi);

    /* EF.ACC (3GPP TS 31.102 4.2.15): class = last IMSI digit (TS 22.011 4.2) */
    unsigned cls = (unsigned)(pa->imsi[n - 1] - '0');
    if (cls < 8)
        v->acc[1] = (uint8_t)(1u << cls);
    else
        v->acc[0] = (uint8_t)(1u << (cls - 8));

    /* EF.SPN (4.2.12): display condition, name in the GSM default alphabet;
     * the characters accepted map to the same code points as ASCII */
    memset(v->spn, 0xFF, sizeof(v->spn));
    v->spn[0] = 0x00;
    if (pa->spn != NULL) {
        size_t len = strlen(pa->spn);
        if (len > 16)
            return AW_ERR_SAIP_VALUE;
        for (size_t i = 0; i < len; i++) {
            char c = pa->spn[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == ' ' || c == '.' || c == '-' || c == '+' || c == '&'))
                return AW_ERR_SAIP_VALUE;
            v->spn[1 + i] = (uint8_t)c;
        }
    }

    /* EF.MSISDN record (4.2.26): 14 alpha bytes unused, then the number */
    if (pa->msisdn != NULL) {
        memset(v->msisdn, 0xFF, sizeof(v->msisdn));
        saip_msisdn_encode(pa->msisdn, v->msisdn + sizeof(v->msisdn) - SAIP_MSISDN_NUMBER_BYTES);
        v->has_msisdn = true;
    }
    return AW_OK;
}

/* ---- Encoding helpers ------------------------------------------------- */

static void put_uint(der_builder *b, uint32_t tag, unsigned value)
{
    der_put_int64(b, tag, (int64_t)value);
}

/* ProfileElement [type] with its PEHeader (mandated, identification). */
static void pe_begin(der_builder *b, saip_pe_type type, unsigned *id)
{
    der_builder_begin(b, SAIP_PE_TAG(type));
    der_builder_begin(b, SAIP_TAG_PE_HEADER);
    der_put_null(b, SAIP_TAG_PE_HEADER_MANDATED);
    put_uint(b, SAIP_TAG_PE_HEADER_ID, (*id)++);
    der_builder_end(b);
}

static void put_template_oid(der_builder *b, uint32_t tag, unsigned template_number)
{
    const uint8_t oid[] = {0x67, 0x81, 0x0F, 0x01, 0x02, (uint8_t)template_number};
    der_put_tlv(b, tag, oid, sizeof(oid));
}

/* Fcp of an EF: descriptor, file ID, ARR reference, size. record_length 0
 * for a transparent EF. */
static void put_ef_fcp(der_builder *b, uint16_t fid, uint16_t arr_fid, uint8_t arr_record,
                       size_t record_length, size_t size)
{
    der_builder_begin(b, SAIP_TAG_FILE_DESCRIPTOR);
    if (record_length == 0) {
        const uint8_t fd[] = {FDB_TRANSPARENT, DATA_CODING};
        der_put_tlv(b, SAIP_TAG_FCP_FILE_DESCRIPTOR, fd, sizeof(fd));
    } else {
        const uint8_t fd[] = {FDB_LINEAR_FIXED, DATA_CODING, (uint8_t)(record_length >> 8),
                              (uint8_t)record_length};
        der_put_tlv(b, SAIP_TAG_FCP_FILE_DESCRIPTOR, fd, sizeof(fd));
    }
    const uint8_t id[] = {(uint8_t)(fid >> 8), (uint8_t)fid};
    der_put_tlv(b, SAIP_TAG_FCP_FILE_ID, id, sizeof(id));
    const uint8_t arr[] = {(uint8_t)(arr_fid >> 8), (uint8_t)arr_fid, arr_record};
    der_put_tlv(b, SAIP_TAG_FCP_SECURITY_ATTRIBUTES, arr, sizeof(arr));
    /* efFileSize on the minimum number of octets */
    const uint8_t sz[] = {(uint8_t)(size >> 8), (uint8_t)size};
    der_put_tlv(b, SAIP_TAG_FCP_EF_FILE_SIZE, size > 0xFF ? sz : sz + 1, size > 0xFF ? 2 : 1);
    der_builder_end(b);
}

/* A transparent EF File with its whole content. */
static void put_transparent(der_builder *b, unsigned number, uint16_t fid, uint16_t arr_fid,
                            uint8_t arr_record, const uint8_t *content, size_t len)
{
    der_builder_begin(b, SAIP_PE_TAG(number));
    put_ef_fcp(b, fid, arr_fid, arr_record, 0, len);
    der_put_tlv(b, SAIP_TAG_FILE_CONTENT, content, len);
    der_builder_end(b);
}

/* EF.ARR File: the four records, each padded by a fillFileOffset. */
static void put_arr(der_builder *b, unsigned number, uint16_t fid, uint16_t arr_fid)
{
    static const struct { const uint8_t *rec; size_t len; } recs[] = {
        {arr_admin, sizeof(arr_admin)},
        {arr_read_always, sizeof(arr_read_always)},
        {arr_pin_update, sizeof(arr_pin_update)},
        {arr_pin_read, sizeof(arr_pin_read)},
    };
    size_t count = sizeof(recs) / sizeof(recs[0]);
    der_builder_begin(b, SAIP_PE_TAG(number));
    put_ef_fcp(b, fid, arr_fid, ARR_READ_ALWAYS, ARR_RECORD_LENGTH, count * ARR_RECORD_LENGTH);
    for (size_t i = 0; i < count; i++) {
        der_put_tlv(b, SAIP_TAG_FILE_CONTENT, recs[i].rec, recs[i].len);
        if (i + 1 < count)
            put_uint(b, SAIP_TAG_FILE_OFFSET, (unsigned)(ARR_RECORD_LENGTH - recs[i].len));
    }
    der_builder_end(b);
}

/* A DF or ADF File: optional file ID / AID, ARR reference, PIN status
 * template (SAIP: mandatory for DFs). */
static void put_df(der_builder *b, unsigned number, uint16_t fid, const uint8_t *aid, size_t aid_len,
                   const uint8_t *pin_status, size_t pin_status_len)
{
    static const uint8_t arr[] = {0x2F, 0x06, ARR_ADMIN};
    der_builder_begin(b, SAIP_PE_TAG(number));
    der_builder_begin(b, SAIP_TAG_FILE_DESCRIPTOR);
    if (fid != 0) {
        const uint8_t id[] = {(uint8_t)(fid >> 8), (uint8_t)fid};
        der_put_tlv(b, SAIP_TAG_FCP_FILE_ID, id, sizeof(id));
    }
    if (aid != NULL)
        der_put_tlv(b, SAIP_TAG_FCP_DF_NAME, aid, aid_len);
    der_put_tlv(b, SAIP_TAG_FCP_SECURITY_ATTRIBUTES, arr, sizeof(arr));
    der_put_tlv(b, SAIP_TAG_FCP_PIN_STATUS, pin_status, pin_status_len);
    der_builder_end(b);
    der_builder_end(b);
}

/* PINConfiguration (DEFAULT values omitted, X.690 11.5). */
static void put_pin(der_builder *b, unsigned key, const uint8_t value[8], int puk,
                    unsigned attributes, unsigned attempts)
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    put_uint(b, 0x80, key);
    der_put_tlv(b, 0x81, value, 8);
    if (puk >= 0)
        put_uint(b, 0x82, (unsigned)puk);
    if (attributes != 7)
        put_uint(b, 0x83, attributes);
    if (attempts != 51)
        put_uint(b, 0x84, attempts);
    der_builder_end(b);
}

static void put_puk(der_builder *b, unsigned key, const uint8_t value[8])
{
    der_builder_begin(b, DER_TAG_SEQUENCE);
    put_uint(b, 0x80, key);
    der_put_tlv(b, 0x81, value, 8);
    der_builder_end(b);
}

/* ---- Profile elements -------------------------------------------------- */

static void put_header(der_builder *b, const saip_build_params *pa, const build_values *v)
{
    der_builder_begin(b, SAIP_PE_TAG(SAIP_PE_HEADER));
    put_uint(b, SAIP_TAG_HEADER_MAJOR, 2);
    put_uint(b, SAIP_TAG_HEADER_MINOR, 3);
    const char *type = pa->profile_type != NULL ? pa->profile_type : "airwrite";
    der_put_tlv(b, SAIP_TAG_HEADER_PROFILE_TYPE, (const uint8_t *)type, strlen(type));
    der_put_tlv(b, SAIP_TAG_HEADER_ICCID, v->iccid_plain, sizeof(v->iccid_plain));
    der_builder_begin(b, SAIP_TAG_HEADER_SERVICES);
    der_put_null(b, SAIP_TAG_SERVICE_USIM);
    switch (pa->aka.algorithm) {
    case SAIP_ALGORITHM_MILENAGE:
        der_put_null(b, SAIP_TAG_SERVICE_MILENAGE);
        break;
    case SAIP_ALGORITHM_TUAK:
        der_put_null(b, pa->aka.key_len == 32 ? SAIP_TAG_SERVICE_TUAK256 : SAIP_TAG_SERVICE_TUAK128);
        break;
    default:
        der_put_null(b, SAIP_TAG_SERVICE_TEST_ALGORITHM);
    }
    der_builder_end(b);
    der_builder_begin(b, SAIP_TAG_HEADER_GFSTE_LIST);
    put_template_oid(b, DER_TAG_OID, TEMPLATE_MF);
    put_template_oid(b, DER_TAG_OID, TEMPLATE_TELECOM);
    put_template_oid(b, DER_TAG_OID, TEMPLATE_USIM);
    if (v->has_msisdn)
        put_template_oid(b, DER_TAG_OID, TEMPLATE_OPT_USIM);
    der_builder_end(b);
    der_builder_end(b);
}

static void put_mf(der_builder *b, const build_values *v, unsigned *id)
{
    static const uint8_t mf_pin_status[] = {0x01, KEY_ADM1};
    pe_begin(b, SAIP_PE_MF, id);
    put_template_oid(b, SAIP_TAG_TEMPLATE_ID, TEMPLATE_MF);
    put_df(b, MF_FILE_MF, 0, NULL, 0, mf_pin_status, sizeof(mf_pin_status));
    put_transparent(b, SAIP_MF_EF_ICCID, 0x2FE2, 0x2F06, ARR_READ_ALWAYS, v->iccid_swapped,
                    sizeof(v->iccid_swapped));
    /* EF.DIR: one application template for the USIM (ETSI TS 102 221 13.1) */
    uint8_t dir[2 + 2 + sizeof(usim_aid) + 2 + 4];
    size_t n = 0;
    dir[n++] = 0x61;
    dir[n++] = (uint8_t)(sizeof(dir) - 2);
    dir[n++] = 0x4F;
    dir[n++] = (uint8_t)sizeof(usim_aid);
    memcpy(dir + n, usim_aid, sizeof(usim_aid));
    n += sizeof(usim_aid);
    dir[n++] = 0x50;
    dir[n++] = 4;
    memcpy(dir + n, "USIM", 4);
    der_builder_begin(b, SAIP_PE_TAG(MF_FILE_EF_DIR));
    put_ef_fcp(b, 0x2F00, 0x2F06, ARR_READ_ALWAYS, sizeof(dir), sizeof(dir));
    der_put_tlv(b, SAIP_TAG_FILE_CONTENT, dir, sizeof(dir));
    der_builder_end(b);
    put_arr(b, MF_FILE_EF_ARR, 0x2F06, 0x2F06);
    der_builder_end(b);
}

static void put_puk_codes(der_builder *b, const build_values *v, unsigned *id)
{
    pe_begin(b, SAIP_PE_PUK_CODES, id);
    der_builder_begin(b, 0xA1);
    put_puk(b, KEY_PUK1, v->puk1);
    put_puk(b, KEY_PUK2, v->puk2);
    der_builder_end(b);
    der_builder_end(b);
}

/* PE-PINCodes: pinCodes CHOICE [1] holding pinconfig [0]. */
static void put_pin_codes_mf(der_builder *b, const build_values *v, unsigned *id)
{
    pe_begin(b, SAIP_PE_PIN_CODES, id);
    der_builder_begin(b, 0xA1);
    der_builder_begin(b, 0xA0);
    put_pin(b, KEY_PIN1, v->pin1, KEY_PUK1, 6, 51);
    put_pin(b, KEY_ADM1, v->adm1, -1, 3, 170);
    der_builder_end(b);
    der_builder_end(b);
    der_builder_end(b);
}

static void put_pin_codes_usim(der_builder *b, const build_values *v, unsigned *id)
{
    pe_begin(b, SAIP_PE_PIN_CODES, id);
    der_builder_begin(b, 0xA1);
    der_builder_begin(b, 0xA0);
    put_pin(b, KEY_PIN2, v->pin2, KEY_PUK2, 3, 51);
    der_builder_end(b);
    der_builder_end(b);
    der_builder_end(b);
}

static void put_telecom(der_builder *b, unsigned *id)
{
    static const uint8_t pin_status[] = {0x81, KEY_PIN1, KEY_ADM1};
    pe_begin(b, SAIP_PE_TELECOM, id);
    put_template_oid(b, SAIP_TAG_TEMPLATE_ID, TEMPLATE_TELECOM);
    put_df(b, TELECOM_FILE_DF, 0x7F10, NULL, 0, pin_status, sizeof(pin_status));
    der_builder_end(b);
}

static void put_usim(der_builder *b, const build_values *v, bool has_msisdn, unsigned *id)
{
    static const uint8_t pin_status[] = {0x81, KEY_PIN1, KEY_ADM1};
    static const uint8_t est[] = {0x00};
    uint8_t ust[8] = {0};
    ust[2] = 0x04; /* service 19: SPN */
    if (has_msisdn)
        ust[2] |= 0x10; /* service 21: MSISDN */
    const uint8_t ad[] = {0x00, 0x00, 0x00, v->mnc_length};
    pe_begin(b, SAIP_PE_USIM, id);
    put_template_oid(b, SAIP_TAG_TEMPLATE_ID, TEMPLATE_USIM);
    /* 7FD0: temporary file ID of the ADF, used only inside the package */
    put_df(b, USIM_FILE_ADF, 0x7FD0, usim_aid, sizeof(usim_aid), pin_status, sizeof(pin_status));
    put_transparent(b, SAIP_USIM_EF_IMSI, 0x6F07, 0x6F06, ARR_PIN_READ, v->imsi, sizeof(v->imsi));
    put_arr(b, USIM_FILE_EF_ARR, 0x6F06, 0x6F06);
    put_transparent(b, USIM_FILE_EF_UST, 0x6F38, 0x6F06, ARR_PIN_READ, ust, sizeof(ust));
    put_transparent(b, USIM_FILE_EF_SPN, 0x6F46, 0x6F06, ARR_READ_ALWAYS, v->spn, sizeof(v->spn));
    put_transparent(b, USIM_FILE_EF_EST, 0x6F56, 0x6F06, ARR_PIN_READ, est, sizeof(est));
    put_transparent(b, USIM_FILE_EF_ACC, 0x6F78, 0x6F06, ARR_PIN_READ, v->acc, sizeof(v->acc));
    put_transparent(b, USIM_FILE_EF_AD, 0x6FAD, 0x6F06, ARR_READ_ALWAYS, ad, sizeof(ad));
    /* EF.ECC: one empty 4-byte record (3 BCD bytes + category) */
    der_builder_begin(b, SAIP_PE_TAG(USIM_FILE_EF_ECC));
    put_ef_fcp(b, 0x6FB7, 0x6F06, ARR_READ_ALWAYS, 4, 4);
    der_builder_end(b);
    der_builder_end(b);
}

static void put_opt_usim(der_builder *b, const build_values *v, unsigned *id)
{
    pe_begin(b, SAIP_PE_OPT_USIM, id);
    put_template_oid(b, SAIP_TAG_TEMPLATE_ID, TEMPLATE_OPT_USIM);
    der_builder_begin(b, SAIP_PE_TAG(SAIP_OPT_USIM_EF_MSISDN));
    put_ef_fcp(b, 0x6F40, 0x6F06, ARR_PIN_UPDATE, sizeof(v->msisdn), sizeof(v->msisdn));
    der_put_tlv(b, SAIP_TAG_FILE_CONTENT, v->msisdn, sizeof(v->msisdn));
    der_builder_end(b);
    der_builder_end(b);
}

static void put_aka(der_builder *b, const saip_aka *aka, unsigned *id)
{
    pe_begin(b, SAIP_PE_AKA_PARAMETER, id);
    der_builder_begin(b, SAIP_TAG_AKA_ALGO_CONFIGURATION);
    der_builder_begin(b, SAIP_TAG_AKA_ALGO_PARAMETER);
    put_uint(b, SAIP_TAG_ALGO_ID, (unsigned)aka->algorithm);
    der_put_tlv(b, SAIP_TAG_ALGO_OPTIONS, &aka->algorithm_options, 1);
    der_put_tlv(b, SAIP_TAG_ALGO_KEY, aka->key, aka->key_len);
    der_put_tlv(b, SAIP_TAG_ALGO_OPC, aka->opc, aka->opc_len);
    der_builder_end(b);
    der_builder_end(b);
    der_builder_end(b);
}

aw_err saip_build(const saip_build_params *params, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (params == NULL)
        return AW_ERR_ARGUMENT;
    build_values v;
    aw_err err = prepare(params, &v);
    if (err == AW_OK) {
        der_builder b;
        der_builder_init(&b);
        unsigned id = 1;
        put_header(&b, params, &v);
        put_mf(&b, &v, &id);
        put_puk_codes(&b, &v, &id);
        put_pin_codes_mf(&b, &v, &id);
        put_telecom(&b, &id);
        put_usim(&b, &v, v.has_msisdn, &id);
        if (v.has_msisdn)
            put_opt_usim(&b, &v, &id);
        put_pin_codes_usim(&b, &v, &id);
        put_aka(&b, &params->aka, &id);
        pe_begin(&b, SAIP_PE_END, &id);
        der_builder_end(&b);
        err = der_builder_finish(&b, out, out_len);
    }
    OPENSSL_cleanse(&v, sizeof(v));
    return err;
}
