/*
 * abi.c — libqsal's C ABI exercised from C, one scenario per run (`abi SCENARIO [ARG]`), against a
 * runtime directory prepared by the Rust harness (capi/tests/c_abi.rs) through QSAL_RUNTIME_DIR.
 * Exit 0 when every check holds; otherwise the failed check is printed on stderr and the exit is 1.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpa.h"
#include "icp_sal_user.h"

#include "check.h"

/* The derived section this process holds, or "(none)". */
static const char *section(void)
{
    static char buf[128];
    if (qsal_section_name(buf, sizeof buf) < 0)
        return "(none)";
    return buf;
}

static void expect_fail(CpaStatus got, const char *call, const char *needle)
{
    CHECK(got == CPA_STATUS_FAIL, "%s returned %d, expected CPA_STATUS_FAIL", call, got);
    const char *message = last();
    CHECK(strstr(message, needle) != NULL, "%s: last error `%s` does not mention `%s`", call,
          message, needle);
}

static void expect_section(const char *expected)
{
    CHECK(strcmp(section(), expected) == 0, "holds %s, expected %s", section(), expected);
}

static void bad_names(void)
{
    char long_name[129];
    memset(long_name, 'A', 128);
    long_name[128] = 0;

    expect_fail(icp_sal_userStart(NULL), "start(NULL)", "NULL");
    expect_fail(icp_sal_userStartMultiProcess(NULL, CPA_TRUE), "startMultiProcess(NULL)", "NULL");
    CHECK(qsal_start_wait(NULL, 10) == CPA_STATUS_INVALID_PARAM, "start_wait(NULL)");
    expect_fail(icp_sal_userStart(""), "start(\"\")", "empty");
    expect_fail(icp_sal_userStart(long_name), "start(128 bytes)", "128 bytes");
    expect_fail(icp_sal_userStart("\xff\xfeSSL"), "start(non-UTF-8)", "0xff");
    expect_fail(icp_sal_userStart("../../etc/passwd"), "start(../../etc/passwd)", "`.`");
    expect_fail(icp_sal_userStart("SSL/../x"), "start(SSL/../x)", "`/`");
    expect_fail(icp_sal_userStart("/tmp/SSL"), "start(/tmp/SSL)", "`/`");
    expect_fail(icp_sal_userStart(".hidden"), "start(.hidden)", "starts with `.`");
    expect_fail(icp_sal_userStart("NOPE"), "start(NOPE)", "configured sections: [SSL]");
    /* Nothing was kept by any of those failures. */
    expect_section("(none)");
    expect_fail(icp_sal_userStop(), "stop after failed starts", "without a successful start");
    /* And a good name still works afterwards. */
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "start(SSL): %s", last());
    expect_section("SSL_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop: %s", last());
}

static void stop_start(void)
{
    expect_fail(icp_sal_userStop(), "stop without start", "without a successful start");
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "start: %s", last());
    expect_section("SSL_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop: %s", last());
    expect_section("(none)");
    expect_fail(icp_sal_userStop(), "second stop", "without a successful start");
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "start after stop: %s", last());
    expect_section("SSL_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop: %s", last());
}

static void refcount(void)
{
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "start: %s", last());
    /* Later starts only count, whatever (well-formed) name they pass. */
    for (int i = 1; i < 64; i++)
        CHECK(icp_sal_userStart(i % 2 ? "OTHER" : "SSL") == CPA_STATUS_SUCCESS, "start %d: %s",
              i + 1, last());
    expect_section("SSL_INT_0");
    expect_fail(icp_sal_userStart("SSL"), "65th start", "64 times");
    for (int i = 0; i < 63; i++) {
        CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop %d: %s", i + 1, last());
        expect_section("SSL_INT_0");
    }
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "64th stop: %s", last());
    expect_section("(none)");
    expect_fail(icp_sal_userStop(), "65th stop", "without a successful start");
}

static void multiprocess(void)
{
    /* [SSL] has LimitDevAccess = 1 and [PLAIN] 0 in the file; the argument must not change that. */
    CHECK(icp_sal_userStartMultiProcess("SSL", CPA_FALSE) == CPA_STATUS_SUCCESS, "%s", last());
    expect_section("SSL_DEV0_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
    CHECK(icp_sal_userStartMultiProcess("PLAIN", CPA_TRUE) == CPA_STATUS_SUCCESS, "%s", last());
    expect_section("PLAIN_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
    CHECK(icp_sal_userStartMultiProcess("SSL", 12345) == CPA_STATUS_SUCCESS, "%s", last());
    expect_section("SSL_DEV0_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
}

static void available(const char *expected)
{
    CpaBoolean got = icp_sal_userIsQatAvailable();
    CHECK(got == (CpaBoolean)atoi(expected), "icp_sal_userIsQatAvailable() = %u, expected %s", got,
          expected);
    expect_section("(none)"); /* it takes no slot */
    if (got == CPA_FALSE)
        expect_fail(icp_sal_userStart("SSL"), "start without devices", "no QAT device is started");
}

static void *last_error_of_fresh_thread(void *out)
{
    *(int *)out = qsal_last_error(NULL, 0);
    return NULL;
}

static void last_error(void)
{
    CHECK(qsal_last_error(NULL, 0) == 0, "no error yet, got length %d", qsal_last_error(NULL, 0));
    CHECK(icp_sal_userStop() == CPA_STATUS_FAIL, "stop without start");
    int n = qsal_last_error(NULL, 0);
    char full[512];
    CHECK(n > 8 && n < (int)sizeof full, "length %d", n);
    CHECK(qsal_last_error(full, sizeof full) == n, "full copy length");
    CHECK((int)strlen(full) == n, "NUL-terminated at its length");
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(qsal_last_error(small, sizeof small) == n, "truncated copy still returns the length");
    CHECK(strlen(small) == 7 && strncmp(small, full, 7) == 0, "truncated to 7 bytes + NUL");
    char one = 'x';
    CHECK(qsal_last_error(&one, 1) == n && one == 0, "a 1-byte buffer gets just the NUL");
    int other = -1;
    pthread_t thread;
    pthread_create(&thread, NULL, last_error_of_fresh_thread, &other);
    pthread_join(thread, NULL);
    CHECK(other == 0, "the last error is per thread, a fresh thread saw length %d", other);
    char name[4] = "xyz";
    CHECK(qsal_section_name(name, sizeof name) == -1 && strcmp(name, "xyz") == 0,
          "section_name before start is -1 and leaves the buffer alone");
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "%s", last());
    CHECK(qsal_section_name(name, sizeof name) == 9 && strcmp(name, "SSL") == 0,
          "section_name truncates and returns the full length (got `%s`)", name);
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
}

#define THREADS 256
#define ROUNDS 200
static atomic_int successes;
static atomic_int refusals;

static void *start_stop_loop(void *unused)
{
    (void)unused;
    for (int i = 0; i < ROUNDS; i++) {
        CpaStatus s = icp_sal_userStart("SSL");
        if (s == CPA_STATUS_SUCCESS) {
            atomic_fetch_add(&successes, 1);
            char buf[64];
            CHECK(qsal_section_name(buf, sizeof buf) > 0 && strcmp(buf, "SSL_INT_0") == 0,
                  "a started process holds SSL_INT_0");
            CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "stop after start: %s", last());
        } else {
            /* The only acceptable refusal: 64 starts already outstanding in this process. */
            CHECK(s == CPA_STATUS_FAIL && strstr(last(), "64 times"), "start: %d %s", s, last());
            atomic_fetch_add(&refusals, 1);
        }
    }
    return NULL;
}

static void threads(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&t[i], NULL, start_stop_loop, NULL) == 0, "thread %d", i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int ok = atomic_load(&successes), refused = atomic_load(&refusals);
    CHECK(ok + refused == THREADS * ROUNDS, "%d + %d", ok, refused);
    CHECK(ok > 0, "no start succeeded");
    expect_section("(none)");
    expect_fail(icp_sal_userStop(), "stop after the storm", "without a successful start");
    printf("threads=%d rounds=%d successes=%d refusals=%d\n", THREADS, ROUNDS, ok, refused);
}

static void fork_child(void)
{
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "%s", last());
    expect_section("SSL_INT_0");
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        expect_section("(none)");
        expect_fail(icp_sal_userStop(), "stop in the forked child", "is a fork of pid");
        CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "child start: %s", last());
        expect_section("SSL_INT_1");
        CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "child stop: %s", last());
        expect_section("(none)");
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %d)", status);
    expect_section("SSL_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "parent stop: %s", last());
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void wait_for_slot(void)
{
    /* [SSL] has one slot. A child takes it, and gives it back after 300 ms. */
    int ready[2];
    CHECK(pipe(ready) == 0, "pipe");
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0, "fork");
    if (child == 0) {
        CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "child start: %s", last());
        CHECK(write(ready[1], "x", 1) == 1, "signal");
        usleep(300 * 1000);
        CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "child stop: %s", last());
        _exit(0);
    }
    char byte;
    CHECK(read(ready[0], &byte, 1) == 1, "child did not start");
    char holder[32];
    snprintf(holder, sizeof holder, "pid %d", (int)child);
    expect_fail(icp_sal_userStart("SSL"), "start while the only slot is held", "1 of 1 slots");
    CHECK(strstr(last(), holder) != NULL, "the error names the holder (%s): %s", holder, last());
    struct timespec began;
    clock_gettime(CLOCK_MONOTONIC, &began);
    CHECK(qsal_start_wait("SSL", 50) == CPA_STATUS_FAIL, "a 50 ms wait gives up");
    CHECK(elapsed_ms(&began) >= 45, "gave up after %ld ms, before its timeout", elapsed_ms(&began));
    CHECK(qsal_start_wait("SSL", 5000) == CPA_STATUS_SUCCESS, "bounded wait: %s", last());
    long waited = elapsed_ms(&began);
    expect_section("SSL_INT_0");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed (status %d)", status);
    printf("waited %ld ms for the slot\n", waited);
}

static void exchange(void)
{
    unsigned long long responses = 7, errors = 7;
    expect_fail(qsal_exchange(10, &responses, &errors), "exchange before start", "holds no slot");
    CHECK(responses == 0 && errors == 0, "counts are reset on failure");
    CHECK(icp_sal_userStart("SSL") == CPA_STATUS_SUCCESS, "%s", last());
    CHECK(qsal_exchange(10000, &responses, &errors) == CPA_STATUS_SUCCESS, "%s", last());
    CHECK(responses == 10000 && errors == 0, "%llu responses, %llu errors", responses, errors);
    CHECK(qsal_exchange(5, NULL, NULL) == CPA_STATUS_SUCCESS, "NULL counters are allowed");
    CHECK(icp_sal_userStop() == CPA_STATUS_SUCCESS, "%s", last());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCENARIO [ARG]\n", argv[0]);
        return 2;
    }
    const char *scenario = argv[1];
    if (strcmp(scenario, "bad_names") == 0)
        bad_names();
    else if (strcmp(scenario, "stop_start") == 0)
        stop_start();
    else if (strcmp(scenario, "refcount") == 0)
        refcount();
    else if (strcmp(scenario, "multiprocess") == 0)
        multiprocess();
    else if (strcmp(scenario, "available") == 0 && argc > 2)
        available(argv[2]);
    else if (strcmp(scenario, "last_error") == 0)
        last_error();
    else if (strcmp(scenario, "threads") == 0)
        threads();
    else if (strcmp(scenario, "fork") == 0)
        fork_child();
    else if (strcmp(scenario, "exchange") == 0)
        exchange();
    else if (strcmp(scenario, "wait") == 0)
        wait_for_slot();
    else {
        fprintf(stderr, "unknown scenario %s\n", scenario);
        return 2;
    }
    printf("ok %s\n", scenario);
    return 0;
}
