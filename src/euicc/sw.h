/* airwrite eUICC: the status words the card answers with (ISO/IEC 7816-4
 * 5.6, ETSI TS 102 221 10.2.1, SGP.22 5.7.2). One table, so each refusal in
 * the APDU layer names the condition the specification gives it. */
#ifndef AIRWRITE_EUICC_SW_H
#define AIRWRITE_EUICC_SW_H

enum euicc_sw {
    EUICC_SW_OK = 0x9000,
    EUICC_SW_MORE_DATA = 0x6100,               /* 61xx: xx bytes available (00: 256 or more) */
    EUICC_SW_WRONG_LENGTH = 0x6700,            /* Lc/Le inconsistent with the command */
    EUICC_SW_CHANNEL_NOT_SUPPORTED = 0x6881,   /* logical channel not open or not supported */
    EUICC_SW_SECURE_MESSAGING_NOT_SUPPORTED = 0x6882,
    EUICC_SW_CHAINING_NOT_SUPPORTED = 0x6884,  /* ISO command chaining (CLA b5) */
    EUICC_SW_SECURITY_STATUS = 0x6982,
    EUICC_SW_CONDITIONS_NOT_SATISFIED = 0x6985,
    EUICC_SW_INCORRECT_DATA = 0x6A80,          /* SGP.22 5.7.2: incorrect values in command data */
    EUICC_SW_FUNCTION_NOT_SUPPORTED = 0x6A81,  /* e.g. no logical channel left */
    EUICC_SW_NOT_FOUND = 0x6A82,               /* application (AID) not found */
    EUICC_SW_NOT_ENOUGH_MEMORY = 0x6A84,
    EUICC_SW_INCORRECT_P1P2 = 0x6A86,
    EUICC_SW_REFERENCED_DATA_NOT_FOUND = 0x6A88,
    EUICC_SW_WRONG_LE = 0x6C00,                /* 6Cxx: exact length is xx */
    EUICC_SW_INS_NOT_SUPPORTED = 0x6D00,
    EUICC_SW_CLA_NOT_SUPPORTED = 0x6E00,
    EUICC_SW_TECHNICAL_PROBLEM = 0x6F00,
};

#endif
