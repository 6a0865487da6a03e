/* Execution of the plan's filesystem and namespace operations. */
#ifndef GANTRY_INIT_OPS_H
#define GANTRY_INIT_OPS_H
#include "plan.h"

struct op_ctx {
  int root_fd;   /* what OPF_IN_ROOT paths resolve against: the rootfs, then "/" after pivot */
  int plan_fd, sync_fd;
  const char *rootfs;
};

const char *op_name(int64_t kind);
/* Runs one op; returns 0 or an errno value. */
int op_run(struct op_ctx *ctx, const struct op *o);

#endif
