# COPS_REQUIRE_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
# A required pkg-config dependency; failure names the package to install.
AC_DEFUN([COPS_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 was not found by pkg-config: install the Debian package $3])])
])

# COPS_LIBRARY_SONAME(VARIABLE-PREFIX, HEADER, CALL, LIBRARY-BASENAME, DEBIAN-PACKAGE)
# The soname of a library opened with dlopen rather than linked, read from
# the NEEDED entries of a program linked against it with $PREFIX_LIBS;
# defined as COPS_PREFIX_LIBRARY.
AC_DEFUN([COPS_LIBRARY_SONAME], [
  AC_CACHE_CHECK([the $4 library to open], [cops_cv_$1_soname], [
    cops_save_LIBS=$LIBS
    cops_save_CFLAGS=$CFLAGS
    LIBS="$$1_LIBS $LIBS"
    CFLAGS="$CFLAGS $$1_CFLAGS"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <$2>]], [[$3;]])],
      [cops_cv_$1_soname=`readelf -d conftest$EXEEXT 2>/dev/null | grep NEEDED |
         grep -o '$4\.so\.@<:@0-9.@:>@*' | head -n 1`])
    LIBS=$cops_save_LIBS
    CFLAGS=$cops_save_CFLAGS])
  AS_IF([test -z "$cops_cv_$1_soname"],
    [AC_MSG_ERROR([cannot find the name of the $4 library: install the Debian packages $5 and binutils])])
  AC_DEFINE_UNQUOTED([COPS_$1_LIBRARY], ["$cops_cv_$1_soname"],
    [The $4 library, opened on first use.])
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
