/*
 * icp_sal_user.h — start and stop the QuickAssist user-space layer (libqsal).
 *
 * Drop-in for the vendor header of the same name: every function it declares, with the same
 * signatures and status values, plus qsal's extensions (marked below). Every failure returns CPA_STATUS_FAIL as the vendor library does; the reason is available
 * through qsal_last_error() and is also printed on stderr (QSAL_LOG=off|error|info|debug, default
 * error). The runtime directory (written by `qsal up`) is $QSAL_RUNTIME_DIR, else /run/qsal for root,
 * else $XDG_RUNTIME_DIR/qsal.
 */
#ifndef ICP_SAL_USER_H
#define ICP_SAL_USER_H

#include <stddef.h>

#include "cpa.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Starts this process's use of QAT for the user section pSectionName (e.g. "SSL"): on the first call
 * takes the lowest free slot (a derived section such as "SSL_INT_0" or "SSL_DEV0_INT_0") and sets up
 * its instances' rings on every device that holds it. Later calls only count (at most 64) and succeed
 * with any well-formed name, as the vendor library does (a NULL, empty, over-long or path-like name
 * always fails). A forked child has not started: it must call this itself, and gets a slot of its
 * own. Thread-safe. On failure nothing is kept.
 */
CpaStatus icp_sal_userStart(const char *pSectionName);

/**
 * Same as icp_sal_userStart. limitDevAccess is ignored, as in the vendor library: LimitDevAccess is
 * read from the configuration file.
 */
CpaStatus icp_sal_userStartMultiProcess(const char *pSectionName, CpaBoolean limitDevAccess);

/**
 * Undoes one icp_sal_userStart; the last one tears the rings down and frees the slot. Fails
 * (CPA_STATUS_FAIL) if this process never started — a forked child included.
 */
CpaStatus icp_sal_userStop(void);

/** CPA_TRUE when at least one QAT device is up. Takes no slot. */
CpaBoolean icp_sal_userIsQatAvailable(void);

/* ---- devices ------------------------------------------------------------------------------ */
/* accelId is the global accel id of qat_dev<N> (`qsal status` lists them).                     */

/**
 * Attaches this started process to the devices brought up after it started (`qsal up qat_dev<N>`)
 * that hold its derived section. CPA_STATUS_FAIL if the process has not started.
 */
CpaStatus icp_sal_find_new_devices(void);

/**
 * Applies what happened to the devices since the last call: attachments to devices that went down
 * (`qsal down qat_dev<N>`) are dropped, attachments to restarted devices (`qsal restart`) are made
 * again, new devices holding the section are attached. Devices without the section are ignored.
 * CPA_STATUS_FAIL if the process has not started (or lost its lease).
 */
CpaStatus icp_sal_poll_device_events(void);

/**
 * The heartbeat of one device: CPA_STATUS_SUCCESS when it answers. An emulated device answers when
 * this process's engine for it runs and serves and no failure was simulated; a hardware device
 * per the driver's heartbeat status (debugfs). CPA_STATUS_FAIL when it does not answer or is not
 * up; CPA_STATUS_UNSUPPORTED when the driver publishes no heartbeat status.
 */
CpaStatus icp_sal_check_device(Cpa32U accelId);

/** icp_sal_check_device for every device that is up; CPA_STATUS_FAIL when none is. */
CpaStatus icp_sal_check_all_devices(void);

/**
 * Makes an emulated device fail its heartbeat, as this process sees it: its engine stops
 * answering until icp_sal_reset_device. CPA_STATUS_UNSUPPORTED for hardware devices.
 */
CpaStatus icp_sal_heartbeat_simulate_failure(Cpa32U accelId);

/**
 * Resets an emulated device as this process sees it: its rings are re-initialised, requests in
 * flight are lost (reported on the log, never waited for) and a failed heartbeat is cleared.
 * CPA_STATUS_UNSUPPORTED for hardware devices (use `qsal restart qat_dev<N>` as root).
 */
CpaStatus icp_sal_reset_device(Cpa32U accelId);

/* ---- PF/VF messaging: qsal has no PF-VF mailbox ---------------------------------------------- */
/* Each returns CPA_STATUS_UNSUPPORTED with the reason in qsal_last_error; outputs are cleared.  */

/** Not supported: there is no PF-VF mailbox. */
CpaStatus icp_sal_userSendMsgToVf(Cpa32U accelId, Cpa32U vfNum, Cpa32U message);

/** Not supported: there is no PF-VF mailbox. */
CpaStatus icp_sal_userSendMsgToPf(Cpa32U accelId, Cpa32U message);

/** Not supported: *message and *messageCounter are set to 0. */
CpaStatus icp_sal_userGetMsgFromVf(Cpa32U accelId, Cpa32U vfNum, Cpa32U *message,
                                   Cpa32U *messageCounter);

/** Not supported: *message and *messageCounter are set to 0. */
CpaStatus icp_sal_userGetMsgFromPf(Cpa32U accelId, Cpa32U *message, Cpa32U *messageCounter);

/** Not supported: *unreadMessage is set to CPA_FALSE. */
CpaStatus icp_sal_userGetPfVfcommsStatus(CpaBoolean *unreadMessage);

/* ---- qsal extensions ---------------------------------------------------------------------- */

/** Set when the qsal extensions below are available. */
#define QSAL_EXTENSIONS 1

/**
 * Copies this thread's last failure message into buf (NUL-terminated, truncated to len - 1 bytes).
 * Returns the message's full length, 0 if there is none. buf may be NULL to ask for the length.
 */
int qsal_last_error(char *buf, size_t len);

/**
 * Copies the derived section this process holds (e.g. "SSL_DEV0_INT_3") into buf (NUL-terminated,
 * truncated to len - 1 bytes). Returns its full length, -1 if this process has not started.
 */
int qsal_section_name(char *buf, size_t len);

/**
 * The devices this process is attached to (those holding its derived section), in accel-id order:
 * stores up to max accel ids into accelIds (which may be NULL to ask for the count) and returns how
 * many there are; -1 if this process has not started.
 */
int qsal_attached_devices(Cpa32U *accelIds, int max);

/**
 * Like icp_sal_userStart, but while every slot of the section is taken it waits — sleeping with
 * back-off from 10 to 100 ms, never spinning — up to timeout_ms for one to be freed. Meant for reloads, where a new
 * generation of workers starts while the old one drains. CPA_STATUS_INVALID_PARAM for a NULL name.
 */
CpaStatus qsal_start_wait(const char *pSectionName, unsigned int timeout_ms);

/**
 * Sends `requests` test requests through every instance ring this process holds (round-robin),
 * waits for every response and verifies it (right request, right checksum, intact body); stores how
 * many responses came back and how many were wrong where the pointers are non-NULL. CPA_STATUS_SUCCESS
 * only if all came back correct. On emulated devices the engine is qsal's software firmware; this is
 * how examples and health checks exercise the data path without a crypto API.
 */
CpaStatus qsal_exchange(unsigned long long requests, unsigned long long *responses,
                        unsigned long long *errors);

/* ---- qsal extensions: raw rings for poll-mode programs ------------------------------------ */
/*
 * After icp_sal_userStart, the slot's ring pairs (over every device it is attached to; a crypto
 * instance has two, asymmetric and symmetric) carry raw fixed-size messages: requests of
 * requestBytes (64 for asym, 128 for sym and dc) and 32-byte responses. qsal does not look inside
 * them: a service library puts its firmware descriptors. No system call is made on this path.
 *
 * On emulated devices the firmware answers qsal's echo protocol: a request whose little-endian
 * words are { 0x5153414C, requestBytes << 16 | payloadLength, opaqueLow, opaqueHigh, checksum,
 * payload... } is answered with { 0x51000000, 0, opaqueLow, opaqueHigh, checksum', payloadLength,
 * (opaque ^ 0x5A5AA5A50FF0F00F) low, high }; with no payload the checksum is 0x811C9DC5. A request
 * that is not well formed is answered with status 0x51000001. examples/raw_ring.c shows the whole
 * loop.
 */

/** One ring pair of the slot this process holds. */
typedef struct qsal_ring_info {
    Cpa32U accelId;       /**< the device, qat_dev<accelId> */
    char family[4];       /**< "Cy" or "Dc" */
    Cpa32U index;         /**< the instance: Cy<index> or Dc<index> in the section */
    char service[8];      /**< "asym", "sym" or "dc" */
    Cpa32U bank;          /**< the bank (bundle) */
    Cpa32U txRing;        /**< the request ring */
    Cpa32U rxRing;        /**< the response ring */
    Cpa32U requestBytes;  /**< bytes per request: 64 or 128 */
    Cpa32U responseBytes; /**< bytes per response: 32 */
    Cpa32U capacity;      /**< requests that may be in flight at once */
} qsal_ring_info_t;

/** The ring pairs of this process's slot; -1 if it has not started. */
int qsal_ring_count(void);

/**
 * Describes ring pair `ring` (0 .. qsal_ring_count() - 1). CPA_STATUS_INVALID_PARAM for a ring that
 * does not exist or a NULL info, CPA_STATUS_FAIL if the process has not started.
 */
CpaStatus qsal_ring_info(Cpa32U ring, qsal_ring_info_t *info);

/**
 * Copies up to `count` requests (requestBytes each, back to back) onto ring pair `ring` — as many
 * as there is room for — and publishes them with one TAIL write; stores how many went in into
 * *put (may be NULL). CPA_STATUS_RETRY when none fit (poll responses first).
 */
CpaStatus qsal_put_burst(Cpa32U ring, const void *requests, Cpa32U count, Cpa32U *put);

/**
 * Copies up to `max` responses (32 bytes each, back to back) of ring pair `ring` into `responses`
 * and stores how many into *got (may be NULL); CPA_STATUS_SUCCESS also when there was none.
 */
CpaStatus qsal_poll(Cpa32U ring, void *responses, Cpa32U max, Cpa32U *got);

#ifdef __cplusplus
}
#endif

#endif /* ICP_SAL_USER_H */
