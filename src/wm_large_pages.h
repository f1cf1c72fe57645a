/*
 * wm_large_pages.h - large pages and AWE physical pages, and the privilege both need.
 *
 * A large page (2 MiB on x64) is mapped by one TLB entry instead of 512, which helps
 * programs that sweep through big tables. Large pages are never paged out, so Windows
 * hands them only to accounts holding the "Lock pages in memory" user right
 * (SeLockMemoryPrivilege). An administrator grants it (Local Security Policy, User Rights
 * Assignment, "Lock pages in memory"); the user signs in again; then the program enables
 * it in its token with AdjustTokenPrivileges. Without it, VirtualAlloc(MEM_LARGE_PAGES)
 * and AllocateUserPhysicalPages (AWE) fail: that failure mode is what the lesson shows
 * on an ordinary account.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_LARGE_PAGES_H
#define WM_LARGE_PAGES_H

#include <stddef.h>
#include <windows.h>

/* *minimum = GetLargePageMinimum(): the large-page size, or 0 where there are none. */
DWORD wm_large_page_minimum(SIZE_T *minimum);

/*
 * Enables SeLockMemoryPrivilege in this process's token. ERROR_SUCCESS only if the
 * account holds it; ERROR_NOT_ALL_ASSIGNED if it does not (AdjustTokenPrivileges
 * succeeds then, but enables nothing). Errors of OpenProcessToken, LookupPrivilegeValueW
 * or AdjustTokenPrivileges otherwise. The token handle is always closed.
 */
DWORD wm_large_page_enable_privilege(void);

/*
 * Reserves and commits size bytes of large pages in one call (MEM_LARGE_PAGES cannot
 * commit an earlier reservation), read-write. size must be a non-zero multiple of the
 * large-page minimum (ERROR_INVALID_PARAMETER otherwise, and where there are no large
 * pages). Without the privilege Windows fails with ERROR_PRIVILEGE_NOT_HELD. Release
 * with wm_vm_release.
 */
DWORD wm_large_page_allocate(SIZE_T size, void **base);

/*
 * AWE: allocates up to *pages physical pages (frame numbers into frames, capacity
 * *pages), storing in *pages how many it got. Needs SeLockMemoryPrivilege.
 * Free them with wm_awe_free.
 */
DWORD wm_awe_allocate(ULONG_PTR *pages, ULONG_PTR *frames);

/* AWE: frees pages physical pages listed in frames. */
DWORD wm_awe_free(ULONG_PTR pages, ULONG_PTR *frames);

#endif /* WM_LARGE_PAGES_H */
