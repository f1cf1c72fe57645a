/*
 * large_pages.c - large pages, AWE, and SeLockMemoryPrivilege (wm_large_pages.h).
 *
 * Rules, from Microsoft Learn ("Large-Page Support", "Address Windowing Extensions",
 * AdjustTokenPrivileges):
 *  - Large pages: enable SeLockMemoryPrivilege, ask GetLargePageMinimum, then VirtualAlloc
 *    with MEM_LARGE_PAGES | MEM_RESERVE | MEM_COMMIT in one call; size and alignment are
 *    multiples of the minimum. The memory is always read-write and never paged out.
 *  - AdjustTokenPrivileges returns TRUE even when it enabled nothing; GetLastError then
 *    says ERROR_NOT_ALL_ASSIGNED. It can only enable a privilege the account already has.
 *  - AWE (AllocateUserPhysicalPages) needs the same privilege.
 *
 * SPDX-License-Identifier: MIT
 */
#include "wm_large_pages.h"

#include <string.h>

#include "wm_os.h"

DWORD wm_large_page_minimum(SIZE_T *minimum)
{
    if (minimum == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *minimum = wm__os.GetLargePageMinimum(); /* cannot fail: 0 means no large pages */
    return ERROR_SUCCESS;
}

DWORD wm_large_page_enable_privilege(void)
{
    TOKEN_PRIVILEGES privileges;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    HANDLE token = NULL;
    BOOL ok = FALSE;
    DWORD error = ERROR_SUCCESS;
    DWORD close_error = ERROR_SUCCESS;

    memset(&privileges, 0, sizeof privileges);
    ok = wm__os.OpenProcessToken(self, TOKEN_ADJUST_PRIVILEGES, /* only what enabling needs */
                                 &token);
    if (!ok) {
        return GetLastError();
    }
    ok = wm__os.LookupPrivilegeValueW(NULL,                /* this machine */
                                      SE_LOCK_MEMORY_NAME, /* L"SeLockMemoryPrivilege" */
                                      &privileges.Privileges[0].Luid);
    if (!ok) {
        error = GetLastError();
        goto cleanup;
    }
    privileges.PrivilegeCount = 1;
    privileges.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;    /* turn it on */
    ok = wm__os.AdjustTokenPrivileges(token, FALSE,                /* change only the one listed */
                                      &privileges, 0, NULL, NULL); /* no previous state */
    /* AdjustTokenPrivileges (Microsoft Learn): TRUE does not mean it was enabled; the last
     * error is ERROR_NOT_ALL_ASSIGNED when the account lacks the privilege. */
    error = GetLastError();
    if (ok && error != ERROR_NOT_ALL_ASSIGNED) {
        error = ERROR_SUCCESS;
    } else if (ok) {
        error = ERROR_NOT_ALL_ASSIGNED;
    }

cleanup:
    ok = wm__os.CloseHandle(token);
    if (!ok) {
        close_error = GetLastError();
    }
    /* A failed close outranks the answer "not held", which is not a failed call. */
    if (close_error != ERROR_SUCCESS &&
        (error == ERROR_SUCCESS || error == ERROR_NOT_ALL_ASSIGNED)) {
        error = close_error;
    }
    return error;
}

DWORD wm_large_page_allocate(SIZE_T size, void **base)
{
    SIZE_T minimum = 0;
    void *allocated = NULL;

    if (base == NULL) {
        return ERROR_INVALID_PARAMETER;
    }
    *base = NULL;
    minimum = wm__os.GetLargePageMinimum();
    if (size == 0 || minimum == 0 || size % minimum != 0) {
        return ERROR_INVALID_PARAMETER;
    }
    allocated = wm__os.VirtualAlloc(NULL, size,
                                    MEM_RESERVE | MEM_COMMIT | /* large pages: both at once */
                                        MEM_LARGE_PAGES,       /* 2 MiB TLB entries, locked */
                                    PAGE_READWRITE); /* the only protection they support */
    if (allocated == NULL) {
        return GetLastError();
    }
    *base = allocated;
    return ERROR_SUCCESS;
}

DWORD wm_awe_allocate(ULONG_PTR *pages, ULONG_PTR *frames)
{
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    BOOL ok = FALSE;

    if (pages == NULL || frames == NULL || *pages == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.AllocateUserPhysicalPages(self, pages, frames);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}

DWORD wm_awe_free(ULONG_PTR pages, ULONG_PTR *frames)
{
    ULONG_PTR count = pages;
    HANDLE self = GetCurrentProcess(); /* a pseudo-handle: no system call, never closed */
    BOOL ok = FALSE;

    if (frames == NULL || pages == 0) {
        return ERROR_INVALID_PARAMETER;
    }
    ok = wm__os.FreeUserPhysicalPages(self, &count, frames);
    if (!ok) {
        return GetLastError();
    }
    return ERROR_SUCCESS;
}
