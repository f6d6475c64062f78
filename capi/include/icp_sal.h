/*
 * icp_sal.h — the part of the vendor header of the same name that does not need a crypto or
 * compression instance, as libqsal provides it.
 */
#ifndef ICP_SAL_H
#define ICP_SAL_H

#include "cpa.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * How many compression requests failed with error dcError. qsal runs no compression service, so
 * none did: always 0, with the reason in qsal_last_error.
 */
Cpa64U icp_sal_get_dc_error(Cpa8S dcError);

#ifdef __cplusplus
}
#endif

#endif /* ICP_SAL_H */
