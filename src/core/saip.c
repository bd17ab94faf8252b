/* airwrite core: SAIP profile package parser and encoder (TCA eUICC Profile
 * Package: Interoperable Format Technical Specification, PE_Definitions
 * 3.3.1 ProfileElement sequence): element list, package-level rules,
 * byte-exact encoding, and the splice that re-encodes one changed field. */
#include "core/saip_internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ---- Profile ---------------------------------------------------------- */

static void element_clear(struct saip_element *e)
{
    if (e->der != NULL) {
        OPENSSL_cleanse(e->der, e->len);
        free(e->der);
    }
    memset(e, 0, sizeof(*e));
}

void saip_profile_free(saip_profile *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        element_clear(&p->elements[i]);
    free(p->elements);
    free(p);
}

/* ServicesList flag [n] present in the ProfileHeader. */
static bool header_has_service(const struct saip_element *h, uint32_t tag)
{
    der_reader r, sr;
    der_node n;
    if (saip_element_open(h, &r) != AW_OK)
        return false;
    while (der_read_node(&r, &n) == AW_OK) {
        if (n.tag != SAIP_TAG_HEADER_SERVICES || der_reader_enter(&r, &n, &sr) != AW_OK)
            continue;
        while (der_read_node(&sr, &n) == AW_OK)
            if (n.tag == tag)
                return true;
    }
    return false;
}

/* Package-level rules (SAIP 2.x "Profile Element sequence", as pySim's
 * validation applies them): unique PEHeader identification values; at most
 * one of the PEs that create a fixed part of the file system; optional
 * template PEs after the PE they extend; a PE for every NAA the header
 * makes mandatory. */
static aw_err check_sequence(const saip_profile *p)
{
    static const saip_pe_type single[] = {
        SAIP_PE_MF, SAIP_PE_CD, SAIP_PE_TELECOM, SAIP_PE_USIM, SAIP_PE_ISIM, SAIP_PE_CSIM,
        SAIP_PE_OPT_USIM, SAIP_PE_OPT_ISIM, SAIP_PE_OPT_CSIM, SAIP_PE_DF_SAIP, SAIP_PE_DF_5GS,
    };
    static const struct { saip_pe_type pe, after; } after[] = {
        {SAIP_PE_OPT_USIM, SAIP_PE_USIM}, {SAIP_PE_OPT_ISIM, SAIP_PE_ISIM},
        {SAIP_PE_OPT_CSIM, SAIP_PE_CSIM}, {SAIP_PE_GSM_ACCESS, SAIP_PE_USIM},
        {SAIP_PE_PHONEBOOK, SAIP_PE_USIM}, {SAIP_PE_DF_5GS, SAIP_PE_USIM},
        {SAIP_PE_DF_SAIP, SAIP_PE_USIM},
    };
    static const struct { uint32_t service; saip_pe_type pe; } naa[] = {
        {0x81u, SAIP_PE_USIM}, {0x82u, SAIP_PE_ISIM}, {0x83u, SAIP_PE_CSIM},
    };
    uint8_t ids[32768 / 8];
    size_t seen[SAIP_PE_TYPE_COUNT] = {0};
    memset(ids, 0, sizeof(ids));
    for (size_t i = 0; i < p->count; i++) {
        const struct saip_element *e = &p->elements[i];
        for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++)
            if (e->type == after[k].pe && seen[after[k].after] == 0)
                return AW_ERR_SAIP_SEQUENCE;
        seen[e->type]++;
        if (e->type == SAIP_PE_HEADER || (e->type > SAIP_PE_END && e->type < SAIP_PE_MF))
            continue;
        der_reader r;
        bool mandated;
        uint16_t id;
        if (saip_element_open(e, &r) != AW_OK || saip_check_pe_header(&r, &mandated, &id) != AW_OK)
            return AW_ERR_SAIP_FORMAT;
        if (ids[id / 8] & (1u << (id % 8)))
            return AW_ERR_SAIP_SEQUENCE;
        ids[id / 8] |= (uint8_t)(1u << (id % 8));
    }
    for (size_t k = 0; k < sizeof(single) / sizeof(single[0]); k++)
        if (seen[single[k]] > 1)
            return AW_ERR_SAIP_SEQUENCE;
    for (size_t k = 0; k < sizeof(naa) / sizeof(naa[0]); k++)
        if (seen[naa[k].pe] == 0 && header_has_service(&p->elements[0], naa[k].service))
            return AW_ERR_SAIP_SEQUENCE;
    return AW_OK;
}

/* SAIP 2.2: the ProfileHeader comes first and PE-End last. */
aw_err saip_profile_parse(const uint8_t *buf, size_t len, saip_profile **out)
{
    *out = NULL;
    if (buf == NULL && len != 0)
        return AW_ERR_ARGUMENT;
    saip_profile *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    der_reader r;
    der_reader_init(&r, buf, len);
    size_t cap = 0;
    bool ended = false;
    aw_err err = AW_OK;
    while (!der_reader_at_end(&r)) {
        der_node n;
        saip_pe_type type;
        err = der_read_node(&r, &n);
        if (err != AW_OK)
            goto cleanup;
        err = saip_element_check(n.raw.ptr, n.raw.len, &type);
        if (err != AW_OK)
            goto cleanup;
        if ((p->count == 0) != (type == SAIP_PE_HEADER)) {
            err = AW_ERR_SAIP_HEADER;
            goto cleanup;
        }
        if (ended) {
            err = AW_ERR_SAIP_END;
            goto cleanup;
        }
        ended = type == SAIP_PE_END;
        if (p->count == SAIP_MAX_ELEMENTS) {
            err = AW_ERR_LIMIT;
            goto cleanup;
        }
        if (p->count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct saip_element *ne = realloc(p->elements, ncap * sizeof(*ne));
            if (ne == NULL) {
                err = AW_ERR_NOMEM;
                goto cleanup;
            }
            p->elements = ne;
            cap = ncap;
        }
        struct saip_element *e = &p->elements[p->count];
        e->der = malloc(n.raw.len);
        if (e->der == NULL) {
            err = AW_ERR_NOMEM;
            goto cleanup;
        }
        memcpy(e->der, n.raw.ptr, n.raw.len);
        e->len = n.raw.len;
        e->type = type;
        e->tag = n.tag;
        p->count++;
    }
    if (p->count == 0)
        err = AW_ERR_SAIP_HEADER;
    else if (!ended)
        err = AW_ERR_SAIP_END;
    else
        err = check_sequence(p);
cleanup:
    if (err != AW_OK) {
        saip_profile_free(p);
        return err;
    }
    *out = p;
    return AW_OK;
}

aw_err saip_profile_encode(const saip_profile *p, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (p == NULL || p->count == 0)
        return AW_ERR_ARGUMENT;
    size_t total = 0;
    for (size_t i = 0; i < p->count; i++)
        total += p->elements[i].len;
    uint8_t *buf = malloc(total);
    if (buf == NULL)
        return AW_ERR_NOMEM;
    size_t pos = 0;
    for (size_t i = 0; i < p->count; i++) {
        memcpy(buf + pos, p->elements[i].der, p->elements[i].len);
        pos += p->elements[i].len;
    }
    *out = buf;
    *out_len = total;
    return AW_OK;
}

size_t saip_profile_element_count(const saip_profile *p)
{
    return p != NULL ? p->count : 0;
}

aw_err saip_element_open(const struct saip_element *e, der_reader *r)
{
    der_node pe;
    der_reader outer;
    if (der_decode_single(e->der, e->len, &pe) != AW_OK)
        return AW_ERR_SAIP_FORMAT;
    der_reader_init(&outer, e->der, e->len);
    return der_reader_enter(&outer, &pe, r) == AW_OK ? AW_OK : AW_ERR_SAIP_FORMAT;
}

aw_err saip_profile_element(const saip_profile *p, size_t index, saip_element_info *out)
{
    memset(out, 0, sizeof(*out));
    if (p == NULL || index >= p->count)
        return AW_ERR_NOT_FOUND;
    const struct saip_element *e = &p->elements[index];
    out->type = e->type;
    out->tag = e->tag;
    out->der.ptr = e->der;
    out->der.len = e->len;
    if (e->type == SAIP_PE_HEADER || (e->type > SAIP_PE_END && e->type < SAIP_PE_MF))
        return AW_OK;
    der_reader r;
    aw_err err = saip_element_open(e, &r);
    if (err == AW_OK)
        err = saip_check_pe_header(&r, &out->mandated, &out->identification);
    if (err == AW_OK)
        out->has_identification = true;
    return err;
}

const char *saip_pe_type_name(saip_pe_type type)
{
    static const char *const names[SAIP_PE_TYPE_COUNT] = {
        [SAIP_PE_HEADER] = "header",
        [SAIP_PE_GENERIC_FILE_MANAGEMENT] = "genericFileManagement",
        [SAIP_PE_PIN_CODES] = "pinCodes",
        [SAIP_PE_PUK_CODES] = "pukCodes",
        [SAIP_PE_AKA_PARAMETER] = "akaParameter",
        [SAIP_PE_CDMA_PARAMETER] = "cdmaParameter",
        [SAIP_PE_SECURITY_DOMAIN] = "securityDomain",
        [SAIP_PE_RFM] = "rfm",
        [SAIP_PE_APPLICATION] = "application",
        [SAIP_PE_NON_STANDARD] = "nonStandard",
        [SAIP_PE_END] = "end",
        [SAIP_PE_MF] = "mf",
        [SAIP_PE_CD] = "cd",
        [SAIP_PE_TELECOM] = "telecom",
        [SAIP_PE_USIM] = "usim",
        [SAIP_PE_OPT_USIM] = "opt-usim",
        [SAIP_PE_ISIM] = "isim",
        [SAIP_PE_OPT_ISIM] = "opt-isim",
        [SAIP_PE_PHONEBOOK] = "phonebook",
        [SAIP_PE_GSM_ACCESS] = "gsm-access",
        [SAIP_PE_CSIM] = "csim",
        [SAIP_PE_OPT_CSIM] = "opt-csim",
        [SAIP_PE_EAP] = "eap",
        [SAIP_PE_DF_5GS] = "df-5gs",
        [SAIP_PE_DF_SAIP] = "df-saip",
        [SAIP_PE_DF_SNPN] = "df-snpn",
        [SAIP_PE_DF_5GPROSE] = "df-5gprose",
        [SAIP_PE_IOT] = "iot",
        [SAIP_PE_OPT_IOT] = "opt-iot",
    };
    if ((unsigned)type >= SAIP_PE_TYPE_COUNT || names[type] == NULL)
        return "rfu";
    return names[type];
}

/* ---- Splicing --------------------------------------------------------- */

aw_err saip_element_splice(saip_profile *p, size_t index, const size_t *chain, size_t depth,
                           size_t start, size_t end, const uint8_t *repl, size_t repl_len)
{
    if (p == NULL || index >= p->count || depth == 0 || depth > DER_MAX_DEPTH || start > end)
        return AW_ERR_ARGUMENT;
    struct saip_element *e = &p->elements[index];
    if (end > e->len || chain[0] != 0)
        return AW_ERR_ARGUMENT;
    der_node nodes[DER_MAX_DEPTH];
    for (size_t i = 0; i < depth; i++) {
        der_reader r;
        if (chain[i] >= e->len)
            return AW_ERR_ARGUMENT;
        der_reader_init(&r, e->der + chain[i], e->len - chain[i]);
        if (der_read_node(&r, &nodes[i]) != AW_OK || !nodes[i].constructed)
            return AW_ERR_ARGUMENT;
        size_t vstart = (size_t)(nodes[i].value.ptr - e->der);
        if (start < vstart || end > vstart + nodes[i].value.len)
            return AW_ERR_ARGUMENT; /* the chain must enclose the range */
        if (i > 0) {
            size_t pstart = (size_t)(nodes[i - 1].value.ptr - e->der);
            if (chain[i] < pstart || chain[i] + nodes[i].raw.len > pstart + nodes[i - 1].value.len)
                return AW_ERR_ARGUMENT; /* each level nests in the one before */
        }
    }
    /* Rebuild outermost to innermost: each level keeps its tag, takes a new
     * length, and copies its own bytes around the next level. */
    der_builder b;
    der_builder_init(&b);
    for (size_t i = 0; i < depth; i++) {
        der_builder_begin(&b, nodes[i].tag);
        size_t from = (size_t)(nodes[i].value.ptr - e->der);
        size_t to = i + 1 < depth ? chain[i + 1] : start;
        der_put_raw(&b, e->der + from, to - from);
    }
    der_put_raw(&b, repl, repl_len);
    for (size_t i = depth; i-- > 0;) {
        size_t from = i + 1 < depth ? chain[i + 1] + nodes[i + 1].raw.len : end;
        size_t to = (size_t)(nodes[i].value.ptr - e->der) + nodes[i].value.len;
        der_put_raw(&b, e->der + from, to - from);
        der_builder_end(&b);
    }
    uint8_t *out;
    size_t out_len;
    aw_err err = der_builder_finish(&b, &out, &out_len);
    if (err != AW_OK)
        return err;
    saip_pe_type type;
    err = saip_element_check(out, out_len, &type);
    if (err != AW_OK || type != e->type) {
        der_bytes_free(out, out_len);
        return err != AW_OK ? err : AW_ERR_SAIP_FORMAT;
    }
    der_bytes_free(e->der, e->len);
    e->der = out;
    e->len = out_len;
    return AW_OK;
}
