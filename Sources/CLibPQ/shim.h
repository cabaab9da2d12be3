#ifndef QUEUEFUNCTIONS_CLIBPQ_SHIM_H
#define QUEUEFUNCTIONS_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
