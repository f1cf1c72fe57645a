/*
 * wm_test.h - what every winmem test program includes first.
 *
 * CMocka needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before <cmocka.h>.
 * The tests use only the CMocka 1.1 assertions (assert_int_equal, assert_true, ...),
 * which CMocka 2.0 (vcpkg) still provides; they use no mocks (will_return,
 * expect_value), the part 2.0 deprecates. Failures are injected through the library's
 * own table of OS functions instead (src/wm_os.h).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WM_TEST_H
#define WM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <windows.h>

/* An error code no real call returns, so a test can tell an injected failure apart. */
#define WM_TEST_INJECTED_ERROR ERROR_NOT_ENOUGH_QUOTA

/* Most OS calls any one library function makes; fault loops stop after this many. */
#define WM_TEST_MAX_CALLS 64

#endif /* WM_TEST_H */
