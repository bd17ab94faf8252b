/* airwrite core: structure of each SAIP ProfileElement (TCA eUICC Profile
 * Package: Interoperable Format Technical Specification, PE_Definitions
 * 3.3.1: ProfileHeader, PEHeader, File, the template-based PEs with their
 * mandatory files, PE-GenericFileManagement, PE-AKAParameter, PE-PINCodes,
 * PE-PUKCodes, PE-End). Components are checked in order; DEFAULT and
 * OPTIONAL components may be absent, anything else is AW_ERR_SAIP_FORMAT. */
#include "core/saip_internal.h"

/* ---- Element structure checks ---------------------------------------- */

/* Context-specific constructed tag [n] (one- or two-octet form). */
static bool context_constructed_number(uint32_t tag, unsigned *number)
{
    if (tag >= 0xA0u && tag <= 0xBEu) {
        *number = tag & 0x1Fu;
        return true;
    }
    if (tag >= 0xBF1Fu && tag <= 0xBF7Fu) {
        *number = tag & 0x7Fu;
        return true;
    }
    return false;
}

/* Non-negative INTEGER no larger than max. */
static aw_err check_uint(const der_node *n, uint64_t max, uint64_t *value)
{
    uint64_t v;
    if (der_node_get_uint64(n, &v) != AW_OK || v > max)
        return AW_ERR_SAIP_FORMAT;
    if (value != NULL)
        *value = v;
    return AW_OK;
}

static aw_err expect(der_reader *r, uint32_t tag, der_node *n)
{
    return der_read_expect(r, tag, n) == AW_OK ? AW_OK : AW_ERR_SAIP_FORMAT;
}

static aw_err optional(der_reader *r, uint32_t tag, der_node *n, bool *present)
{
    return der_read_optional(r, tag, n, present) == AW_OK ? AW_OK : AW_ERR_SAIP_FORMAT;
}

static aw_err enter(const der_reader *parent, const der_node *n, der_reader *child)
{
    return der_reader_enter(parent, n, child) == AW_OK ? AW_OK : AW_ERR_SAIP_FORMAT;
}

static aw_err finish(const der_reader *r)
{
    return der_reader_at_end(r) ? AW_OK : AW_ERR_SAIP_FORMAT;
}

static aw_err check_octets(const der_node *n, size_t min, size_t max)
{
    return der_node_check_octets(n, min, max) == AW_OK ? AW_OK : AW_ERR_SAIP_FORMAT;
}

/* PEHeader ::= SEQUENCE { mandated NULL OPTIONAL, identification UInt15 } */
aw_err saip_check_pe_header(der_reader *r, bool *mandated, uint16_t *id)
{
    der_node n, m;
    der_reader hr;
    bool present;
    uint64_t v;
    aw_err err = expect(r, SAIP_TAG_PE_HEADER, &n);
    if (err == AW_OK)
        err = enter(r, &n, &hr);
    if (err == AW_OK)
        err = optional(&hr, SAIP_TAG_PE_HEADER_MANDATED, &m, &present);
    if (err == AW_OK && present && der_node_get_null(&m) != AW_OK)
        err = AW_ERR_SAIP_FORMAT;
    if (err == AW_OK)
        err = expect(&hr, SAIP_TAG_PE_HEADER_ID, &n);
    if (err == AW_OK)
        err = check_uint(&n, 32767, &v);
    if (err == AW_OK)
        err = finish(&hr);
    if (err == AW_OK) {
        *mandated = present;
        *id = (uint16_t)v;
    }
    return err;
}

/* ProfileHeader (PE_Definitions ProfileHeader). */
static aw_err check_profile_header(der_reader *r)
{
    der_node n, c;
    der_reader sub;
    bool present;
    aw_err err = expect(r, SAIP_TAG_HEADER_MAJOR, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, NULL);
    if (err == AW_OK)
        err = expect(r, SAIP_TAG_HEADER_MINOR, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, NULL);
    if (err == AW_OK)
        err = optional(r, SAIP_TAG_HEADER_PROFILE_TYPE, &n, &present);
    if (err == AW_OK && present)
        err = check_octets(&n, 1, 400); /* SIZE(1..100) characters of UTF-8 */
    if (err == AW_OK)
        err = expect(r, SAIP_TAG_HEADER_ICCID, &n);
    if (err == AW_OK)
        err = check_octets(&n, 10, 10);
    if (err == AW_OK)
        err = optional(r, SAIP_TAG_HEADER_POL, &n, &present);
    if (err == AW_OK)
        err = expect(r, SAIP_TAG_HEADER_SERVICES, &n);
    if (err == AW_OK)
        err = enter(r, &n, &sub);
    /* ServicesList: NULL components in ascending tag order */
    uint32_t last = 0;
    while (err == AW_OK && !der_reader_at_end(&sub)) {
        if (der_read_node(&sub, &c) != AW_OK || der_node_get_null(&c) != AW_OK ||
            c.tag < 0x80u || c.tag > 0x9Eu || c.tag <= last)
            err = AW_ERR_SAIP_FORMAT;
        last = c.tag;
    }
    if (err == AW_OK)
        err = expect(r, SAIP_TAG_HEADER_GFSTE_LIST, &n);
    if (err == AW_OK)
        err = enter(r, &n, &sub);
    while (err == AW_OK && !der_reader_at_end(&sub)) {
        err = expect(&sub, DER_TAG_OID, &c);
        if (err == AW_OK)
            err = check_octets(&c, 1, 64);
    }
    if (err == AW_OK)
        err = optional(r, SAIP_TAG_HEADER_CONNECTIVITY, &n, &present);
    if (err == AW_OK)
        err = optional(r, SAIP_TAG_HEADER_AIDS, &n, &present);
    if (err == AW_OK)
        err = optional(r, SAIP_TAG_HEADER_IOT_OPTIONS, &n, &present);
    if (err == AW_OK)
        err = finish(r);
    return err;
}

/* File ::= SEQUENCE OF CHOICE { doNotCreate, fileDescriptor, fillFileOffset,
 * fillFileContent }. SAIP 8.3.2: doNotCreate stands alone; at most one
 * fileDescriptor, and it comes first. */
static aw_err check_file(const der_reader *parent, const der_node *file)
{
    der_reader r;
    der_node n;
    size_t entries = 0;
    bool do_not_create = false;
    aw_err err = enter(parent, file, &r);
    while (err == AW_OK && !der_reader_at_end(&r)) {
        if (der_read_node(&r, &n) != AW_OK)
            return AW_ERR_SAIP_FORMAT;
        switch (n.tag) {
        case SAIP_TAG_FILE_DO_NOT_CREATE:
            do_not_create = true;
            if (der_node_get_null(&n) != AW_OK)
                err = AW_ERR_SAIP_FORMAT;
            break;
        case SAIP_TAG_FILE_DESCRIPTOR:
            if (entries != 0)
                err = AW_ERR_SAIP_FORMAT; /* not first, or a second one */
            break; /* Fcp: constructed by its tag; framing checked already */
        case SAIP_TAG_FILE_OFFSET:
            err = check_uint(&n, 65535, NULL);
            break;
        case SAIP_TAG_FILE_CONTENT:
            err = check_octets(&n, 0, SIZE_MAX);
            break;
        default:
            err = AW_ERR_SAIP_FORMAT;
        }
        entries++;
    }
    if (err == AW_OK && do_not_create && entries != 1)
        err = AW_ERR_SAIP_FORMAT;
    return err;
}

/* Mandatory File components of each template-based PE (bit n = [n]). */
static uint64_t mandatory_files(saip_pe_type type)
{
#define B(n) (UINT64_C(1) << (n))
    switch (type) {
    case SAIP_PE_MF:
        return B(2) | B(4) | B(5) | B(6);
    case SAIP_PE_USIM:
        return B(2) | B(3) | B(4) | B(8) | B(13) | B(14) | B(18) | B(22);
    case SAIP_PE_ISIM:
        return B(2) | B(3) | B(4) | B(5) | B(6) | B(8);
    case SAIP_PE_CSIM:
        return (B(37) - 1) & ~(B(0) | B(1)); /* every file [2]..[36] */
    case SAIP_PE_EAP:
        return B(2) | B(4);
    case SAIP_PE_IOT:
        return B(9) | B(18);
    case SAIP_PE_OPT_USIM:
    case SAIP_PE_OPT_ISIM:
    case SAIP_PE_OPT_CSIM:
    case SAIP_PE_OPT_IOT:
        return 0;
    default:
        return B(2); /* cd, telecom, phonebook, gsm-access, df-*: the DF */
    }
#undef B
}

/* Template-based PE: PEHeader, templateID, then Files [2], [3], ... in
 * ascending order. */
static aw_err check_template_pe(der_reader *r, saip_pe_type type)
{
    der_node n;
    uint64_t seen = 0;
    unsigned last = 1;
    aw_err err = expect(r, SAIP_TAG_TEMPLATE_ID, &n);
    if (err == AW_OK)
        err = check_octets(&n, 1, 64);
    while (err == AW_OK && !der_reader_at_end(r)) {
        unsigned number;
        if (der_read_node(r, &n) != AW_OK || !context_constructed_number(n.tag, &number) ||
            number <= last)
            return AW_ERR_SAIP_FORMAT;
        last = number;
        if (number < 64)
            seen |= UINT64_C(1) << number;
        err = check_file(r, &n);
    }
    uint64_t need = mandatory_files(type);
    if (err == AW_OK && (seen & need) != need)
        err = AW_ERR_SAIP_FORMAT;
    return err;
}

/* PE-GenericFileManagement: fileManagementCMD SEQUENCE OF FileManagement,
 * each a SEQUENCE OF CHOICE { filePath [0], createFCP [APPLICATION 2],
 * fillFileOffset UInt16 (untagged), fillFileContent [1] }. */
static aw_err check_generic_file_management(der_reader *r)
{
    der_node list, cmd, n;
    der_reader lr, cr;
    aw_err err = expect(r, 0xA1u, &list);
    if (err == AW_OK)
        err = enter(r, &list, &lr);
    if (err == AW_OK && der_reader_at_end(&lr))
        err = AW_ERR_SAIP_FORMAT; /* SIZE (1..MAX) */
    while (err == AW_OK && !der_reader_at_end(&lr)) {
        err = expect(&lr, DER_TAG_SEQUENCE, &cmd);
        if (err == AW_OK)
            err = enter(&lr, &cmd, &cr);
        if (err == AW_OK && der_reader_at_end(&cr))
            err = AW_ERR_SAIP_FORMAT;
        while (err == AW_OK && !der_reader_at_end(&cr)) {
            if (der_read_node(&cr, &n) != AW_OK)
                return AW_ERR_SAIP_FORMAT;
            if (n.tag == 0x80u)
                err = check_octets(&n, 0, 8);
            else if (n.tag == DER_TAG_INTEGER)
                err = check_uint(&n, 65535, NULL);
            else if (n.tag == 0x81u)
                err = check_octets(&n, 0, SIZE_MAX);
            else if (n.tag != 0x62u)
                err = AW_ERR_SAIP_FORMAT;
        }
    }
    if (err == AW_OK)
        err = finish(r);
    return err;
}

/* AlgoParameter */
static aw_err check_algo_parameter(const der_reader *parent, const der_node *node)
{
    der_reader r;
    der_node n;
    bool present;
    aw_err err = enter(parent, node, &r);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_ALGO_ID, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, NULL);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_ALGO_OPTIONS, &n);
    if (err == AW_OK)
        err = check_octets(&n, 1, 1);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_ALGO_KEY, &n);
    if (err == AW_OK)
        err = check_octets(&n, 1, SAIP_AKA_KEY_MAX);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_ALGO_OPC, &n);
    if (err == AW_OK)
        err = check_octets(&n, 0, SAIP_AKA_KEY_MAX);
    static const struct { uint32_t tag; size_t min, max; } opt[] = {
        {0x84u, 5, 5}, {0x85u, 80, 80}, {0x86u, 3, 3}, {0x87u, 1, 2},
    };
    for (size_t i = 0; err == AW_OK && i < sizeof(opt) / sizeof(opt[0]); i++) {
        err = optional(&r, opt[i].tag, &n, &present);
        if (err == AW_OK && present)
            err = check_octets(&n, opt[i].min, opt[i].max);
    }
    if (err == AW_OK)
        err = finish(&r);
    return err;
}

/* PE-AKAParameter after its PEHeader. */
static aw_err check_aka_parameter(der_reader *r)
{
    der_node n, alt;
    der_reader cr;
    bool present;
    aw_err err = expect(r, SAIP_TAG_AKA_ALGO_CONFIGURATION, &n);
    if (err == AW_OK)
        err = enter(r, &n, &cr);
    if (err == AW_OK && der_read_node(&cr, &alt) != AW_OK)
        err = AW_ERR_SAIP_FORMAT;
    if (err == AW_OK) {
        if (alt.tag == SAIP_TAG_AKA_ALGO_PARAMETER)
            err = check_algo_parameter(&cr, &alt);
        else if (alt.tag != SAIP_TAG_AKA_MAPPING_PARAMETER || !alt.constructed)
            err = AW_ERR_SAIP_FORMAT;
    }
    if (err == AW_OK)
        err = finish(&cr);
    static const struct { uint32_t tag; size_t len; } opt[] = {
        {0x82u, 1}, {0x83u, 6}, {0x84u, 6},
    };
    for (size_t i = 0; err == AW_OK && i < sizeof(opt) / sizeof(opt[0]); i++) {
        err = optional(r, opt[i].tag, &n, &present);
        if (err == AW_OK && present)
            err = check_octets(&n, opt[i].len, opt[i].len);
    }
    if (err == AW_OK)
        err = optional(r, 0xA5u, &n, &present); /* sqnInit */
    if (err == AW_OK)
        err = finish(r);
    return err;
}

/* PINConfiguration / PUKConfiguration */
static aw_err check_code_configuration(const der_reader *parent, const der_node *node, bool pin)
{
    der_reader r;
    der_node n;
    bool present;
    aw_err err = enter(parent, node, &r);
    if (err == AW_OK)
        err = expect(&r, 0x80u, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, NULL);
    if (err == AW_OK)
        err = expect(&r, 0x81u, &n);
    if (err == AW_OK)
        err = check_octets(&n, 8, 8);
    const uint32_t pin_opt[] = {0x82u, 0x83u, 0x84u}, puk_opt[] = {0x82u};
    const uint32_t *opt = pin ? pin_opt : puk_opt;
    size_t count = pin ? 3 : 1;
    for (size_t i = 0; err == AW_OK && i < count; i++) {
        err = optional(&r, opt[i], &n, &present);
        if (err == AW_OK && present)
            err = check_uint(&n, 255, NULL);
    }
    if (err == AW_OK)
        err = finish(&r);
    return err;
}

/* SEQUENCE (SIZE (1..max)) OF PIN/PUKConfiguration */
static aw_err check_code_list(const der_reader *parent, const der_node *node, bool pin, size_t max)
{
    der_reader r;
    der_node n;
    size_t count = 0;
    aw_err err = enter(parent, node, &r);
    while (err == AW_OK && !der_reader_at_end(&r)) {
        err = expect(&r, DER_TAG_SEQUENCE, &n);
        if (err == AW_OK)
            err = check_code_configuration(&r, &n, pin);
        count++;
    }
    if (err == AW_OK && (count == 0 || count > max))
        err = AW_ERR_SAIP_FORMAT;
    return err;
}

static aw_err check_pin_codes(der_reader *r)
{
    der_node n, alt;
    der_reader cr;
    aw_err err = expect(r, 0xA1u, &n);
    if (err == AW_OK)
        err = enter(r, &n, &cr);
    if (err == AW_OK && der_read_node(&cr, &alt) != AW_OK)
        err = AW_ERR_SAIP_FORMAT;
    if (err == AW_OK) {
        if (alt.tag == 0xA0u)
            err = check_code_list(&cr, &alt, true, 26);
        else if (alt.tag == 0x81u)
            err = check_octets(&alt, 0, 8);
        else
            err = AW_ERR_SAIP_FORMAT;
    }
    if (err == AW_OK)
        err = finish(&cr);
    if (err == AW_OK)
        err = finish(r);
    return err;
}

static aw_err check_puk_codes(der_reader *r)
{
    der_node n;
    aw_err err = expect(r, 0xA1u, &n);
    if (err == AW_OK)
        err = check_code_list(r, &n, false, 16);
    if (err == AW_OK)
        err = finish(r);
    return err;
}

aw_err saip_element_check(const uint8_t *buf, size_t len, saip_pe_type *type)
{
    der_node pe;
    der_reader outer, r;
    unsigned number;
    bool mandated;
    uint16_t id;
    aw_err err = der_decode_single(buf, len, &pe);
    if (err != AW_OK)
        return err;
    err = der_validate(buf, len, DER_MAX_DEPTH);
    if (err != AW_OK)
        return err;
    if (!context_constructed_number(pe.tag, &number) || number >= SAIP_PE_TYPE_COUNT)
        return AW_ERR_SAIP_UNKNOWN_ELEMENT;
    *type = (saip_pe_type)number;
    der_reader_init(&outer, buf, len);
    if (der_reader_enter(&outer, &pe, &r) != AW_OK)
        return AW_ERR_SAIP_FORMAT;
    if (*type == SAIP_PE_HEADER) {
        err = check_profile_header(&r);
        return err == AW_ERR_SAIP_FORMAT ? AW_ERR_SAIP_HEADER : err;
    }
    if (number > SAIP_PE_END && number < SAIP_PE_MF) /* rfu1..5: PE-Dummy */
        return der_reader_at_end(&r) ? AW_OK : AW_ERR_SAIP_FORMAT;
    err = saip_check_pe_header(&r, &mandated, &id);
    if (err != AW_OK)
        return err;
    switch (*type) {
    case SAIP_PE_GENERIC_FILE_MANAGEMENT:
        return check_generic_file_management(&r);
    case SAIP_PE_PIN_CODES:
        return check_pin_codes(&r);
    case SAIP_PE_PUK_CODES:
        return check_puk_codes(&r);
    case SAIP_PE_AKA_PARAMETER:
        return check_aka_parameter(&r);
    case SAIP_PE_END:
        return finish(&r);
    case SAIP_PE_CDMA_PARAMETER:
    case SAIP_PE_SECURITY_DOMAIN:
    case SAIP_PE_RFM:
    case SAIP_PE_APPLICATION:
    case SAIP_PE_NON_STANDARD:
        return AW_OK; /* not personalised here: DER framing and PEHeader */
    default:
        return check_template_pe(&r, *type);
    }
}

aw_err saip_get_version(const saip_profile *p, unsigned *major, unsigned *minor)
{
    der_reader r;
    der_node n;
    uint64_t v1, v2;
    *major = 0;
    *minor = 0;
    if (p == NULL || p->count == 0)
        return AW_ERR_ARGUMENT;
    aw_err err = saip_element_open(&p->elements[0], &r);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_HEADER_MAJOR, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, &v1);
    if (err == AW_OK)
        err = expect(&r, SAIP_TAG_HEADER_MINOR, &n);
    if (err == AW_OK)
        err = check_uint(&n, 255, &v2);
    if (err != AW_OK)
        return AW_ERR_SAIP_HEADER;
    *major = (unsigned)v1;
    *minor = (unsigned)v2;
    return AW_OK;
}
