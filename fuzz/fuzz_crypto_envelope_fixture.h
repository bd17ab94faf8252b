/* Fixed keys of the fuzz target fuzz_crypto_envelope and its seed generator
 * (tests/gen_crypto_envelope_seeds.c): generated for airwrite with
 * "openssl genpkey" (P-256 and SM2 recipients, a P-256 device signer);
 * test keys only, never used elsewhere. */
#ifndef AIRWRITE_FUZZ_CRYPTO_ENVELOPE_FIXTURE_H
#define AIRWRITE_FUZZ_CRYPTO_ENVELOPE_FIXTURE_H

static const char fuzz_envelope_p256_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgz/jGu4pkM7Yzl9J0\n"
    "OxZ4jsuH/kDz2ZGzNTHQZt7GItihRANCAAQXHNsovAgwZHicxnzWI/KN/SDdaOuF\n"
    "peo6y2jEeQjbBNGR5y1XEseuR89gi9wfDb1qkgVRFXM03IL0BlDTXSn4\n"
    "-----END PRIVATE KEY-----\n"
    ;
static const char fuzz_envelope_sm2_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgPvEC7he6ZF65XHH0\n"
    "xjURGLiJZJbmYRHXrHlJLdnRGruhRANCAAR9ouP/x+KnSGV7uBhN1tg09LrpPb2S\n"
    "0iahUdLFV1MYzy/2G/DAqfojOmzvpB8tDpSa1VaOn5PG3Q5q2L1z+YWm\n"
    "-----END PRIVATE KEY-----\n"
    ;
static const char fuzz_envelope_signer_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3ag5jF7o1AhtmEDz\n"
    "Ltj8Bg2EOA3jrRzD6DQGmbglD4WhRANCAASEVqVfuC0NcCPBRGpgGsTjhJH4cbkb\n"
    "B3ux/3Lxu+JRiGfpN+7V44twZErKqM1bIJHOMKfH/O9V+O+q8odnKAJE\n"
    "-----END PRIVATE KEY-----\n"
    ;

#define FUZZ_ENVELOPE_KEY_ID 7u

#endif
