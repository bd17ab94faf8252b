/* Hand-built SGP.32 message vectors shared by the sgp32 tests and the fuzz
 * seed generator (fuzz/sgp32_seeds.c). Each is DER built by hand from
 * SGP32Definitions (AUTOMATIC TAGS) with its structure in the comment above;
 * SGP.22 parts are minimal well-formed stand-ins with the right tag. No public
 * capture of these messages was found (see test_sgp32_package.c). */
#ifndef AIRWRITE_TESTS_SGP32_VECTORS_H
#define AIRWRITE_TESTS_SGP32_VECTORS_H

/* ---- eUICC Packages (sgp32_package) ---- */

/* 64-octet stand-in signatures (r||s sized); signatures are not verified here */
#define SIG_AA "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define SIG_BB "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

/* EuiccPackageRequest, PSMOs enable (with rollbackFlag) and listProfileInfo:
 * BF51 8182
 *   30 3D                               euiccPackageSigned
 *     80 0B "eim.example"               eimId
 *     5A 10 89049032123451234512345678901235  eidValue
 *     81 01 05                          counterValue 5
 *     82 04 01020304                    eimTransactionId
 *     A0 13                             psmoList
 *       A3 0E 5A 0A 98001032547698103214 05 00   enable {iccid, rollbackFlag}
 *       BF2D 00                         listProfileInfo (ProfileInfoListRequest {})
 *   5F37 40 AA..AA                      eimSignature */
#define SIGNED_PSMO                                                                  \
    "303D800B65696D2E6578616D706C655A1089049032123451234512345678901235810105820401" \
    "020304A013A30E5A0A980010325476981032140500BF2D00"
#define REQUEST_PSMO "BF518182" SIGNED_PSMO "5F3740" SIG_AA

/* EuiccPackageResult, euiccPackageResultSigned [0]:
 * BF51 8181 A0 7F
 *   30 3A                               euiccPackageResultDataSigned
 *     80 0B "eim.example"  81 01 05  82 04 01020304  83 01 2A (seqNumber 42)
 *     30 1F                             euiccResult
 *       83 01 00                        enableResult ok
 *       02 01 02                        processingTerminated unknownOrDamagedCommand
 *       A8 03 84 01 07                  addEimResult associationToken 7
 *       AB 0D A0 0B 30 09 80 04 "eimA" 82 01 02   listEimResult eimIdList
 *       BF2D 02 A0 00                   listProfileInfoResult (empty profileInfoListOk)
 *   5F37 40 BB..BB                      euiccSignEPR */
#define RESULT_DATA                                                                  \
    "303A800B65696D2E6578616D706C6581010582040102030483012A301F830100020102A8038401" \
    "07AB0DA00B3009800465696D41820102BF2D02A000"
#define RESULT_SIGNED "BF518181A07F" RESULT_DATA "5F3740" SIG_BB

/* EuiccPackageResult, euiccPackageErrorSigned [1]:
 * BF51 5A A1 58 30 13 {80 0B "eim.example", 81 01 06, 02 01 04 replayError} 5F37 40 BB.. */
#define ERROR_DATA "3013800B65696D2E6578616D706C65810106020104"
#define RESULT_ERROR_SIGNED "BF515AA158" ERROR_DATA "5F3740" SIG_BB

/* EuiccPackageResult, euiccPackageErrorUnsigned [2]:
 * BF51 1A A2 18 {80 0B "eim.example", 82 02 0102, 84 02 0103, 8F 01 0F sizeOverflow} */
#define RESULT_ERROR_UNSIGNED "BF511AA218800B65696D2E6578616D706C6582020102840201038F010F"

/* ---- IPA eUICC data (sgp32_ipa) ---- */

/* IpaEuiccDataRequest:
 * BF52 2E
 *   5C 08 A0 BF20 BF22 A5 A6 A8                 tagList
 *   04 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3  euiccCiPKIdentifierToBeUsed
 *   A1 03 80 01 03                              searchCriteriaNotification seqNumber 3
 *   A2 03 80 01 07                              searchCriteriaEuiccPackageResult seqNumber 7
 *   83 02 0A0B                                  eimTransactionId */
#define IPA_REQUEST                                                                  \
    "BF522E5C08A0BF20BF22A5A6A80414F54172BDF98A95D65CBEB88A38A1C11D800A85C3A1038001" \
    "03A20380010783020A0B"

/* IpaEuiccDataResponse ipaEuiccData [0]:
 * BF52 73 A0 71
 *   A0 0B 30 09 BF2F 03 800101 5F37 00          notificationsList (one stand-in notification)
 *   81 0C "smdp.example"                        defaultSmdpAddress
 *   A2 08 BF51 05 A2 03 800165                  euiccPackageResultList (one unsigned error)
 *   BF20 05 8203020300                          euiccInfo1 (stand-in)
 *   BF22 05 8103020300                          euiccInfo2 (stand-in)
 *   83 0F "lpa.ds.gsma.com"                     rootSmdsAddress
 *   84 01 01                                    associationToken
 *   A5 07 3000 3000 030100                      eumCertificate (implicit [5] stand-in)
 *   A6 07 3000 3000 030100                      euiccCertificate
 *   87 02 0A0B                                  eimTransactionId
 *   A8 08 80 02 0520  81 02 0420                ipaCapabilities: eimDownloadDataHandling,
 *                                               ipaInjectHttps (not trailing-zero stripped)
 *   A9 06 80 04 01020304                        deviceInfo (stand-in) */
#define IPA_RESPONSE                                                                 \
    "BF5273A071A00B3009BF2F038001015F3700810C736D64702E6578616D706C65A208BF5105A203" \
    "800165BF20058203020300BF22058103020300830F6C70612E64732E67736D612E636F6D840101" \
    "A50730003000030100A6073000300003010087020A0BA8088002052081020420A9068004010203" \
    "04"

/* ipaEuiccDataResponseError [1]: BF52 09 A1 07 {80 02 0A0B, 02 01 01 incorrectTagList} */
#define IPA_RESPONSE_ERROR "BF5209A10780020A0B020101"

/* EimAcknowledgements BF53 0A {80 01 01, 80 01 02, 80 02 012C} */
#define ACKS "BF530A8001018001028002012C"

/* ---- Profile download trigger and ESipa (sgp32_trigger, sgp32_esipa) ---- */

/* ProfileDownloadTriggerRequest BF54 { A0 { 80 activationCode "1$smdp.example$04386-..." }, 82 eimTransactionId 0A0B } */
#define TRIGGER_AC \
    "BF542EA02880263124736D64702E6578616D706C652430343338362D41475946542D41373459382D" \
    "334638313582020A0B"
/* BF54 { A0 { 81 00 contactDefaultSmdp } } */
#define TRIGGER_DEFAULT \
    "BF5404A0028100"
/* BF54 { A0 { A2 contactSmds { 80 smdsAddress "lpa.ds.gsma.com" } } } */
#define TRIGGER_SMDS \
    "BF5415A013A211800F6C70612E64732E67736D612E636F6D"
/* ProfileDownloadTriggerResult BF54 { 82 0A0B, BF37 ProfileInstallationResult stand-in { BF27 {80 00}, 5F37 00 } } */
#define TRIGGER_RESULT_PIR \
    "BF540F82020A0BBF3708BF270280005F3700"
/* BF54 { 82 0A0B, 30 profileDownloadError { 80 01 68 ecallActive(104), 04 errorResponse BF3B03820108 } } */
#define TRIGGER_RESULT_ERROR \
    "BF541182020A0B300B8001680406BF3B03820108"
/* InitiateAuthenticationRequestEsipa BF39 { 81 euiccChallenge 00..0F, 83 "smdp.example", BF20 EUICCInfo1 stand-in, 82 0A0B } */
#define IAR \
    "BF392C8110000102030405060708090A0B0C0D0E0F830C736D64702E6578616D706C65BF20058203" \
    "02030082020A0B"
/* AuthenticateClientRequestEsipa BF3B { 80 transactionId 0011..FF, BF38 AuthenticateServerResponse stand-in { A1 {02 01 01} } } */
#define ACR \
    "BF3B1A801000112233445566778899AABBCCDDEEFFBF3805A103020101"
/* GetBoundProfilePackageRequestEsipa BF3A { 80 transactionId, BF21 PrepareDownloadResponse stand-in } */
#define GBR \
    "BF3A1A801000112233445566778899AABBCCDDEEFFBF2105A103020101"
/* CancelSessionRequestEsipa BF41 { 80 transactionId, A1 [1] IMPLICIT CancelSessionResponse { 81 01 05 } } */
#define CSR \
    "BF4117801000112233445566778899AABBCCDDEEFFA103810105"
/* HandleNotificationEsipa BF3D { A0 [0] EXPLICIT { BF37 PendingNotification stand-in } } */
#define HN_PENDING \
    "BF3D0DA00BBF3708BF270280005F3700"
/* ProvideEimPackageResult BF50 { 5A eid, BF51 EuiccPackageResult { A2 errorUnsigned { 80 "e" } } } */
#define PER_EPR \
    "BF501A5A1089049032123451234512345678901235BF5105A203800165"
/* HandleNotificationEsipa BF3D { BF50 ProvideEimPackageResult (PER_EPR) } */
#define HN_PER \
    "BF3D1DBF501A5A1089049032123451234512345678901235BF5105A203800165"
/* BF50 { 5A eid, 30 ePRAndNotifications { BF51 {...}, A0 notificationList { BF37 stand-in } } } */
#define PER_EPR_NOTIF \
    "BF50295A10890490321234512345123456789012353015BF5105A203800165A00BBF3708BF270280" \
    "005F3700"
/* BF50 { BF52 IpaEuiccDataResponse { A1 { 02 01 01 } } } (no eidValue) */
#define PER_IPA \
    "BF5008BF5205A103020101"
/* BF50 { 5A eid, BF54 ProfileDownloadTriggerResult (TRIGGER_RESULT_PIR) } */
#define PER_TRIGGER \
    "BF50245A1089049032123451234512345678901235BF540F82020A0BBF3708BF270280005F3700"
/* BF50 { 5A eid, A0 eimPackageResultResponseError { 80 0A0B, 02 01 02 unknownPackage } } */
#define PER_ERROR \
    "BF501B5A1089049032123451234512345678901235A00780020A0B020102"
/* v1.0 form: BF50 { 02 01 01 } bare eimPackageError */
#define PER_V10_ERROR \
    "BF5003020101"
/* GetEimPackageRequest BF4F { 5A eid, 80 00 notifyStateChange, 81 01 05 immediateEnableProfile, 82 03 62F210 rPLMN } */
#define GPR \
    "BF4F1C5A10890490321234512345123456789012358000810105820362F210"
/* TransferEimPackageResponse BF4E { 05 00 eimPackageReceived } */
#define TER_RECEIVED \
    "BF4E020500"
/* BF4E { BF60 eimPackageReceivedWithCid { A0 { 80 0A0B } } } */
#define TER_CID \
    "BF4E09BF6006A00480020A0B"
/* BF4E { BF61 eimPackageErrorWithCid { A0 { 5A eid }, 81 01 02 } } */
#define TER_ERROR_CID \
    "BF4E1ABF6117A0125A1089049032123451234512345678901235810102"
/* BF4E { 02 01 01 invalidPackageFormat } */
#define TER_ERROR \
    "BF4E03020101"
/* BF4E { BF51 { A2 { 80 "e" } } } */
#define TER_EPR \
    "BF4E08BF5105A203800165"
/* InitiateAuthenticationResponseEsipa BF39 { A0 { 80 txid, 30 serverSigned1 stand-in, 5F37 sig, 04 SKI, 30 certificate stand-in, 0C "ABC" matchingId, A2 { A0 ctxParams1 stand-in } } } */
#define IARES_OK \
    "BF398188A08185801000112233445566778899AABBCCDDEEFF30038001015F3740CCCCCCCCCCCCCC" \
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC" \
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC0414F54172BDF98A95D65CBEB88A38A1C11D800A85C330" \
    "07300030000301000C03414243A205A003800101"
/* BF39 { 81 01 02 euiccVersionNotSupportedByDp } */
#define IARES_ERROR \
    "BF3903810102"
/* AuthenticateClientResponseEsipa BF3B { A0 okDP { 80 txid, BF25 metadata stand-in, 30 smdpSigned2 stand-in, 5F37 sig, 30 cert, 04 20 hashCc } } */
#define ACRES_DP \
    "BF3B8197A08194801000112233445566778899AABBCCDDEEFFBF250C5A0A98001032547698103214" \
    "30038001015F3740CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC" \
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3007300030000301" \
    "0004201111111111111111111111111111111111111111111111111111111111111111"
/* BF3B { A1 okDS { 80 txid, BF54 (TRIGGER_DEFAULT) } } */
#define ACRES_DS \
    "BF3B1BA119801000112233445566778899AABBCCDDEEFFBF5404A0028100"
/* BF3B { 82 01 08 noEligibleProfile } */
#define ACRES_ERROR \
    "BF3B03820108"
/* GetBoundProfilePackageResponseEsipa BF3A { A0 { 80 txid, BF36 BoundProfilePackage stand-in } } */
#define GBRES_OK \
    "BF3A1CA01A801000112233445566778899AABBCCDDEEFFBF3605BF23028000"
/* BF3A { 81 01 05 bppRebindingRefused } */
#define GBRES_ERROR \
    "BF3A03810105"
/* CancelSessionResponseEsipa BF41 { A0 00 cancelSessionOk } */
#define CSRES_OK \
    "BF4102A000"
/* BF41 { 81 01 01 invalidTransactionId } */
#define CSRES_ERROR \
    "BF4103810101"
/* GetEimPackageResponse BF4F { BF51 EuiccPackageRequest (as in test_sgp32_package.c) } */
#define GPRES_PACKAGE \
    "BF4F8186BF518182303D800B65696D2E6578616D706C655A10890490321234512345123456789012" \
    "35810105820401020304A013A30E5A0A980010325476981032140500BF2D005F3740AAAAAAAAAAAA" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
/* BF4F { BF52 IpaEuiccDataRequest { 5C 02 BF20 } } */
#define GPRES_IPA \
    "BF4F07BF52045C02BF20"
/* BF4F { BF54 (TRIGGER_DEFAULT) } */
#define GPRES_TRIGGER \
    "BF4F07BF5404A0028100"
/* BF4F { 02 01 01 noEimPackageAvailable } */
#define GPRES_ERROR \
    "BF4F03020101"
/* TransferEimPackageRequest BF4E { BF51 EuiccPackageRequest } */
#define TR_PACKAGE \
    "BF4E8186BF518182303D800B65696D2E6578616D706C655A10890490321234512345123456789012" \
    "35810105820401020304A013A30E5A0A980010325476981032140500BF2D005F3740AAAAAAAAAAAA" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
/* BF4E { BF53 { 80 01 01 } } */
#define TR_ACKS \
    "BF4E06BF5303800101"
/* BF4E { BF52 { 5C 02 BF20 } } */
#define TR_IPA \
    "BF4E07BF52045C02BF20"
/* BF4E { BF54 (TRIGGER_AC) } */
#define TR_TRIGGER \
    "BF4E31BF542EA02880263124736D64702E6578616D706C652430343338362D41475946542D413734" \
    "59382D334638313582020A0B"
/* ProvideEimPackageResultResponse BF50 { BF53 { 80 01 01, 80 01 02 } } */
#define PRES_ACKS \
    "BF5009BF5306800101800102"
/* BF50 { 30 00 emptyResponse } */
#define PRES_EMPTY \
    "BF50023000"
/* BF50 { 02 01 02 eidNotFound } */
#define PRES_ERROR \
    "BF5003020102"
/* v1.0 form: BF50 00 (SEQUENCE with the OPTIONAL acknowledgements absent) */
#define PRES_V10_EMPTY \
    "BF5000"

#endif
