/*
 * raw_ring.c — a poll-mode C program on libqsal's raw rings: start a slot, list its ring pairs,
 * and on each one push bursts of echo requests and poll their responses, checking every one.
 *
 *   raw_ring SECTION REQUESTS      (QSAL_RUNTIME_DIR names the runtime directory)
 *
 * Prints one line per ring pair and exits 0 when every response came back correct. Against real
 * firmware a program puts its service's descriptors instead of echo requests; the loop is the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpa.h"
#include "icp_sal_user.h"

#define BURST 32
#define ECHO_MAGIC 0x5153414Cu
#define ECHO_OK 0x51000000u
#define ECHO_SEED 0x811C9DC5u
#define ECHO_TRANSFORM 0x5A5AA5A50FF0F00Full

static void put_word(uint8_t *message, int word, uint32_t value)
{
    for (int b = 0; b < 4; b++)
        message[4 * word + b] = (uint8_t)(value >> (8 * b));
}

static uint32_t get_word(const uint8_t *message, int word)
{
    uint32_t value = 0;
    for (int b = 0; b < 4; b++)
        value |= (uint32_t)message[4 * word + b] << (8 * b);
    return value;
}

/* An echo request of `size` bytes, no payload, carrying `opaque`. */
static void echo_request(uint8_t *message, uint32_t size, uint64_t opaque)
{
    memset(message, 0, size);
    put_word(message, 0, ECHO_MAGIC);
    put_word(message, 1, size << 16);
    put_word(message, 2, (uint32_t)opaque);
    put_word(message, 3, (uint32_t)(opaque >> 32));
    put_word(message, 4, ECHO_SEED);
}

/* Whether `response` answers the request carrying `opaque`. */
static int echo_ok(const uint8_t *response, uint64_t opaque)
{
    uint64_t echoed = get_word(response, 2) | (uint64_t)get_word(response, 3) << 32;
    uint64_t transformed = get_word(response, 6) | (uint64_t)get_word(response, 7) << 32;
    return get_word(response, 0) == ECHO_OK && echoed == opaque &&
           get_word(response, 4) == ECHO_SEED && transformed == (opaque ^ ECHO_TRANSFORM);
}

static const char *why(void)
{
    static char buf[512];
    qsal_last_error(buf, sizeof buf);
    return buf;
}

/* Sends `total` requests through ring pair `ring`; returns the number of wrong responses. */
static unsigned long long drive(Cpa32U ring, const qsal_ring_info_t *info, unsigned long long total)
{
    uint8_t requests[BURST * 128];
    uint8_t responses[BURST * 32];
    unsigned long long sent = 0, received = 0, wrong = 0;
    while (received < total) {
        Cpa32U want = total - sent < BURST ? (Cpa32U)(total - sent) : BURST;
        for (Cpa32U i = 0; i < want; i++)
            echo_request(requests + i * info->requestBytes, info->requestBytes, sent + i);
        Cpa32U put = 0;
        if (want > 0) {
            CpaStatus status = qsal_put_burst(ring, requests, want, &put);
            if (status != CPA_STATUS_SUCCESS && status != CPA_STATUS_RETRY) {
                fprintf(stderr, "qsal_put_burst: %s\n", why());
                exit(1);
            }
        }
        sent += put;
        Cpa32U got = 0;
        if (qsal_poll(ring, responses, BURST, &got) != CPA_STATUS_SUCCESS) {
            fprintf(stderr, "qsal_poll: %s\n", why());
            exit(1);
        }
        for (Cpa32U i = 0; i < got; i++)
            wrong += !echo_ok(responses + 32 * i, received + i);
        received += got;
    }
    return wrong;
}

int main(int argc, char **argv)
{
    const char *section = argc > 1 ? argv[1] : "SSL";
    unsigned long long total = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
    if (icp_sal_userStart(section) != CPA_STATUS_SUCCESS) {
        fprintf(stderr, "icp_sal_userStart(%s): %s\n", section, why());
        return 1;
    }
    int rings = qsal_ring_count();
    unsigned long long wrong = 0;
    for (int ring = 0; ring < rings; ring++) {
        qsal_ring_info_t info;
        if (qsal_ring_info((Cpa32U)ring, &info) != CPA_STATUS_SUCCESS) {
            fprintf(stderr, "qsal_ring_info: %s\n", why());
            return 1;
        }
        unsigned long long bad = drive((Cpa32U)ring, &info, total);
        printf("ring %d: qat_dev%u %s%u %s bank %u rings %u/%u, %u-byte requests: %llu requests, "
               "%llu wrong\n",
               ring, info.accelId, info.family, info.index, info.service, info.bank, info.txRing,
               info.rxRing, info.requestBytes, total, bad);
        wrong += bad;
    }
    icp_sal_userStop();
    printf("%d ring pairs, %llu wrong responses\n", rings, wrong);
    return wrong == 0 && rings > 0 ? 0 : 1;
}
