/* Fixed SM2 firmware signing key shared by fuzz_firmware_suite.c and its
 * seed generator (tests/gen_firmware_suite_seeds.c), so generated seeds
 * carry valid SM2 signatures and the fuzzer reaches the checks after the
 * signature (issue 8). Made with "openssl genpkey -algorithm SM2"; test
 * data only, never a real signing key. */
#ifndef AIRWRITE_FUZZ_FIRMWARE_SUITE_KEY_H
#define AIRWRITE_FUZZ_FIRMWARE_SUITE_KEY_H

static const char fuzz_firmware_suite_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQg8oExLlHC9k1Sw9QQ\n"
    "SAlCkaUbbUqT0gWPwO5Rt35jXLihRANCAAQM4ACKHAgcxovohL3OXPphsASYjDoF\n"
    "wWFCcXS13cJ4Bwy0SikM0gl1zGGEmn/qGkJWkj/YcQUAlUG93NU7Td1H\n"
    "-----END PRIVATE KEY-----\n";

#define FUZZ_FIRMWARE_SUITE_MODULE "AW-SE-SM"
/* The detached image the seeds were signed over. */
#define FUZZ_FIRMWARE_SUITE_DETACHED_IMAGE "detached SM2-signed secure module image"

#endif
