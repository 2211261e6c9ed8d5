# COPS_REQUIRE_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
# A required pkg-config dependency; failure names the package to install.
AC_DEFUN([COPS_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 was not found by pkg-config: install the Debian package $3])])
])

# COPS_ENABLE_FLAGS(NAME, DESCRIPTION, FLAGS)
# --enable-NAME appends FLAGS to both CFLAGS and LDFLAGS (sanitizers and
# coverage must reach the link step too).
AC_DEFUN([COPS_ENABLE_FLAGS], [
  AC_ARG_ENABLE([$1], [AS_HELP_STRING([--enable-$1], [build with $2])],
    [], [enable_$1=no])
  AS_IF([test "x$enable_$1" = xyes], [
    CFLAGS="$CFLAGS $3"
    CXXFLAGS="$CXXFLAGS $3"
    LDFLAGS="$LDFLAGS $3"
  ])
])

# AX_PTHREAD_SIMPLE: POSIX threads through -pthread (glibc, the only
# target we claim).
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  AC_CHECK_HEADER([pthread.h], [], [AC_MSG_ERROR([pthread.h not found: install libc6-dev])])
  PTHREAD_CFLAGS=-pthread
  PTHREAD_LIBS=-pthread
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
