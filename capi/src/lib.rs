//! qsal-capi: `libqsal`, a drop-in implementation of the `icp_sal_user.h` C ABI
//! (`icp_sal_userStart`, `icp_sal_userStartMultiProcess`, `icp_sal_userStop`, ...) over qsal.
