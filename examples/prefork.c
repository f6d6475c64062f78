/*
 * prefork.c — a pre-forking server's use of libqsal, with a graceful reload.
 *
 * The master forks 8 workers. Each worker takes its own slot (icp_sal_userStart), pushes requests
 * through its rings (qsal_exchange), then keeps the slot while it "drains" its connections and
 * stops. As soon as every worker of the first generation is up, the master "reloads": it forks a
 * second generation of 8 while the first one still holds all 8 slots. The new workers use the
 * bounded wait (qsal_start_wait) instead of failing, and each gets a slot as an old worker stops.
 *
 * Build and run (see README.md, "Using libqsal from C"):
 *   cargo build --release -p qsal-capi
 *   cc -O2 -Icapi/include examples/prefork.c -Ltarget/release -lqsal \
 *      -Wl,-rpath,"$PWD/target/release" -o target/prefork
 *   export QSAL_RUNTIME_DIR=$(mktemp -d)
 *   cargo run --release --bin qsal -- up --device c6xx=examples/prefork.conf
 *   target/prefork [SECTION [REQUESTS]]
 *
 * Exit status 0 only if all 16 workers started, got every response right and stopped.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpa.h"
#include "icp_sal_user.h"

#define WORKERS 8
#define DRAIN_MS 300
#define WAIT_MS 10000

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const char *last_error(void)
{
    static char buf[1024];
    qsal_last_error(buf, sizeof buf);
    return buf;
}

/* One worker: start (waiting for a slot in the second generation), exchange, drain, stop. */
static int worker(int generation, int index, const char *section, unsigned long long requests,
                  int started_fd)
{
    long began = now_ms();
    CpaStatus status = generation == 1 ? icp_sal_userStart(section)
                                       : qsal_start_wait(section, WAIT_MS);
    long waited = now_ms() - began;
    if (status != CPA_STATUS_SUCCESS) {
        fprintf(stderr, "gen %d worker %d (pid %d): start failed: %s\n", generation, index,
                (int)getpid(), last_error());
        return 1;
    }
    if (started_fd >= 0 && write(started_fd, "s", 1) != 1)
        perror("write");
    char slot[64] = "?";
    qsal_section_name(slot, sizeof slot);

    unsigned long long responses = 0, errors = 0;
    long exchange_began = now_ms();
    status = qsal_exchange(requests, &responses, &errors);
    long exchange_ms = now_ms() - exchange_began;
    if (status != CPA_STATUS_SUCCESS)
        fprintf(stderr, "gen %d worker %d: exchange failed: %s\n", generation, index,
                last_error());
    if (generation == 1)
        usleep(DRAIN_MS * 1000); /* old workers finish their connections before letting go */
    CpaStatus stopped = icp_sal_userStop();
    printf("gen %d worker %d (pid %6d): %-10s waited %5ld ms, %llu responses in %ld ms, %llu "
           "errors\n",
           generation, index, (int)getpid(), slot, waited, responses, exchange_ms, errors);
    fflush(stdout);
    return status == CPA_STATUS_SUCCESS && stopped == CPA_STATUS_SUCCESS ? 0 : 1;
}

static int spawn(int generation, int index, const char *section, unsigned long long requests,
                 int started_fd, pid_t *pid)
{
    fflush(NULL);
    *pid = fork();
    if (*pid < 0) {
        perror("fork");
        return -1;
    }
    if (*pid == 0)
        _exit(worker(generation, index, section, requests, started_fd));
    return 0;
}

int main(int argc, char **argv)
{
    const char *section = argc > 1 ? argv[1] : "SSL";
    unsigned long long requests = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;

    if (!icp_sal_userIsQatAvailable()) {
        fprintf(stderr, "no QAT device is up: run `qsal up --device c6xx=examples/prefork.conf` "
                        "with the same QSAL_RUNTIME_DIR first\n");
        return 1;
    }

    int started[2];
    if (pipe(started) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t pids[2 * WORKERS];
    int spawned = 0;
    for (int i = 0; i < WORKERS; i++, spawned++)
        if (spawn(1, i, section, requests, started[1], &pids[spawned]) != 0)
            break;
    close(started[1]);

    /* Reload as soon as the whole first generation holds its slots. */
    int up = 0;
    char byte;
    while (up < spawned && read(started[0], &byte, 1) == 1)
        up++;
    close(started[0]);
    printf("generation 1: %d of %d workers hold a slot; reloading now\n", up, WORKERS);
    fflush(stdout);
    long reload = now_ms();
    for (int i = 0; i < WORKERS && spawned < 2 * WORKERS; i++, spawned++)
        if (spawn(2, i, section, requests, -1, &pids[spawned]) != 0)
            break;

    int failed = 2 * WORKERS - spawned;
    for (int i = 0; i < spawned; i++) {
        int status = 0;
        waitpid(pids[i], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    printf("reload finished in %ld ms; %d of %d workers failed\n", now_ms() - reload, failed,
           2 * WORKERS);
    return failed == 0 ? 0 : 1;
}
