/* airwrite IPA: APDU transport over PC/SC (libpcsclite: PC/SC Workgroup
 * specification part 5, SCard API). A reader picked by name, the card
 * connected shared with T=0 or T=1; logical channels by MANAGE CHANNEL +
 * SELECT (transport.c). Under T=0 a case 4 command goes out without Le
 * (ISO/IEC 7816-3 12.2.4: the card announces its data with 61xx, which
 * ipa_transport_exchange collects). */
#include "ipa/transport.h"

#include <stdlib.h>
#include <string.h>
#include <winscard.h>

/* Bound on the multi-string reader list we accept from the service. */
#define READER_LIST_MAX 65536u

typedef struct pcsc_transport {
    ipa_transport base;
    SCARDCONTEXT context;
    SCARDHANDLE card;
    DWORD protocol;
    bool context_open, card_open;
} pcsc_transport;

static aw_err pcsc_transmit(ipa_transport *t, unsigned channel, const uint8_t *command,
                            size_t len, uint8_t *response, size_t *response_len)
{
    pcsc_transport *p = (pcsc_transport *)t;
    (void)channel; /* carried in the class byte */
    *response_len = 0;
    const SCARD_IO_REQUEST *pci = p->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    size_t send_len = len;
    /* case 4 (header, Lc, data, Le) under T=0: drop Le */
    if (p->protocol == SCARD_PROTOCOL_T0 && len > 5 && len == 6u + command[4])
        send_len--;
    DWORD got = IPA_APDU_RESPONSE_MAX;
    LONG rv = SCardTransmit(p->card, pci, command, (DWORD)send_len, NULL, response, &got);
    if (rv != SCARD_S_SUCCESS) {
        t->detail = (long)rv; /* e.g. SCARD_W_REMOVED_CARD */
        return AW_ERR_IO;
    }
    *response_len = got; /* SCardTransmit never writes past the length we gave */
    return AW_OK;
}

static void pcsc_destroy(ipa_transport *t)
{
    pcsc_transport *p = (pcsc_transport *)t;
    if (p->card_open)
        SCardDisconnect(p->card, SCARD_LEAVE_CARD);
    if (p->context_open)
        SCardReleaseContext(p->context);
    free(p);
}

static const ipa_transport_ops pcsc_ops = {
    .name = "pcsc",
    .open_channel = ipa_transport_raw_open_channel,
    .transmit = pcsc_transmit,
    .close_channel = ipa_transport_raw_close_channel,
    .destroy = pcsc_destroy,
};

/* The first reader of the list whose name contains wanted (any if NULL)
 * and that takes a connection. */
static aw_err connect_reader(pcsc_transport *p, const char *wanted, DWORD protocols)
{
    DWORD size = 0;
    LONG rv = SCardListReaders(p->context, NULL, NULL, &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE)
        return AW_ERR_IPA_NO_READER;
    if (rv != SCARD_S_SUCCESS || size == 0 || size > READER_LIST_MAX) {
        p->base.detail = (long)rv;
        return AW_ERR_IPA_CONNECT;
    }
    char *list = malloc((size_t)size + 1);
    if (list == NULL)
        return AW_ERR_NOMEM;
    rv = SCardListReaders(p->context, NULL, list, &size);
    aw_err err = AW_ERR_IPA_NO_READER;
    if (rv == SCARD_S_SUCCESS && size > 0) {
        list[size] = '\0'; /* the list ends with an empty name; never read past it */
        for (const char *name = list; *name != '\0' && err != AW_OK; name += strlen(name) + 1) {
            if (wanted != NULL && strstr(name, wanted) == NULL)
                continue;
            rv = SCardConnect(p->context, name, SCARD_SHARE_SHARED, protocols, &p->card,
                              &p->protocol);
            if (rv == SCARD_S_SUCCESS) {
                p->card_open = true;
                err = AW_OK;
            } else {
                p->base.detail = (long)rv; /* e.g. no card in that reader */
            }
        }
    }
    free(list);
    return err;
}

aw_err ipa_transport_open_pcsc(const char *reader, ipa_pcsc_protocol protocol,
                               ipa_transport **out)
{
    static const DWORD protocols[] = {
        [IPA_PCSC_ANY] = SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
        [IPA_PCSC_T0] = SCARD_PROTOCOL_T0,
        [IPA_PCSC_T1] = SCARD_PROTOCOL_T1,
    };
    *out = NULL;
    if ((unsigned)protocol > IPA_PCSC_T1)
        return AW_ERR_ARGUMENT;
    pcsc_transport *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return AW_ERR_NOMEM;
    p->base.ops = &pcsc_ops;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->context);
    aw_err err = AW_OK;
    if (rv != SCARD_S_SUCCESS) {
        p->base.detail = (long)rv;
        err = AW_ERR_IPA_CONNECT;
    } else {
        p->context_open = true;
        err = connect_reader(p, reader, protocols[protocol]);
    }
    if (err != AW_OK) {
        pcsc_destroy(&p->base);
        return err;
    }
    *out = &p->base;
    return AW_OK;
}
