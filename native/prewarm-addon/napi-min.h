/* The few Node-API (N-API) declarations the addon uses. Node-API is a stable C
 * ABI exported by the node binary itself; declaring what we use here keeps the
 * build independent of where (or whether) a distribution installs node's headers. */
#ifndef GANTRY_NAPI_MIN_H
#define GANTRY_NAPI_MIN_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef struct napi_env__ *napi_env;
typedef struct napi_value__ *napi_value;
typedef struct napi_callback_info__ *napi_callback_info;
typedef int napi_status; /* napi_ok == 0 */
typedef napi_value (*napi_callback)(napi_env env, napi_callback_info info);
typedef void (*napi_finalize)(napi_env env, void *data, void *hint);

napi_status napi_get_cb_info(napi_env, napi_callback_info, size_t *argc, napi_value *argv, napi_value *this_arg, void **data);
napi_status napi_get_value_int32(napi_env, napi_value, int32_t *);
napi_status napi_get_value_string_utf8(napi_env, napi_value, char *buf, size_t bufsize, size_t *result);
napi_status napi_create_int32(napi_env, int32_t, napi_value *);
napi_status napi_create_object(napi_env, napi_value *);
napi_status napi_create_array_with_length(napi_env, size_t, napi_value *);
napi_status napi_get_element(napi_env, napi_value, uint32_t, napi_value *);
napi_status napi_set_element(napi_env, napi_value, uint32_t, napi_value);
napi_status napi_create_buffer_copy(napi_env, size_t, const void *, void **, napi_value *);
napi_status napi_create_function(napi_env, const char *, size_t, napi_callback, void *, napi_value *);
napi_status napi_set_named_property(napi_env, napi_value, const char *, napi_value);
napi_status napi_get_null(napi_env, napi_value *);
napi_status napi_throw_error(napi_env, const char *code, const char *msg);

#endif
