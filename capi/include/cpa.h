/*
 * cpa.h — the subset of Intel's QuickAssist base types that icp_sal_user.h needs, as libqsal
 * implements them. Values match the vendor header, so code written against it compiles unchanged.
 */
#ifndef QSAL_CPA_H
#define QSAL_CPA_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

/** Status returned by every CPA and SAL function. */
typedef int32_t CpaStatus;

#define CPA_STATUS_SUCCESS (0)        /**< Success. */
#define CPA_STATUS_FAIL (-1)          /**< Failure (every start/stop failure; see qsal_last_error). */
#define CPA_STATUS_RETRY (-2)         /**< Resource temporarily unavailable: try again. */
#define CPA_STATUS_RESOURCE (-3)      /**< A resource could not be obtained. */
#define CPA_STATUS_INVALID_PARAM (-4) /**< An invalid parameter was passed. */
#define CPA_STATUS_FATAL (-5)         /**< A fatal error occurred. */
#define CPA_STATUS_UNSUPPORTED (-6)   /**< The function is not supported. */
#define CPA_STATUS_RESTARTING (-7)    /**< The device is restarting. */

/** Boolean of the CPA API. */
typedef uint32_t CpaBoolean;

#define CPA_FALSE (0) /**< False. */
#define CPA_TRUE (1)  /**< True. */

#ifdef __cplusplus
}
#endif

#endif /* QSAL_CPA_H */
