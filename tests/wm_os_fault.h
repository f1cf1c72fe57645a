/*
 * wm_os_fault.h - fault injection through the library's table of OS functions, for tests.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_OS_FAULT_H
#define WM_OS_FAULT_H

#include "wm_os.h"

/*
 * Fault injection, for tests. wm_os_fault_arm(nth, error) swaps every entry of wm__os for a
 * wrapper that counts calls: the nth call (counting from 1) fails the way its function
 * reports failure (NULL, FALSE, 0, (SIZE_T)-1, INVALID_HANDLE_VALUE, WAIT_FAILED, a non-zero
 * UINT, or for LocalFree the handle it was given) after SetLastError(error); every other call
 * goes to the real function. Functions that cannot fail (GetSystemInfo, GetProcessHeap,
 * GetCurrentThreadId) are counted but never fail: when the nth call is one of them, no call
 * fails. Calls that do not fail go on to the table as it was when armed, so a test may first
 * install its own counting wrappers and then arm the injector on top of them.
 * wm_os_fault_disarm() restores that table and returns how many calls were counted;
 * wm_os_fault_fired() names the function that was made to fail, or is NULL if none was.
 * Not thread-safe: arm, run the code under test on one thread, disarm.
 */
void wm_os_fault_arm(unsigned long nth, DWORD error);
unsigned long wm_os_fault_disarm(void);
const char *wm_os_fault_fired(void);

#endif /* WM_OS_FAULT_H */
