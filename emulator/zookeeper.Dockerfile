# Emulated ZooKeeper: the real one from Debian's package, built offline from
# debian:bookworm-slim. Its own file, so it builds beside the Node targets.
ARG BASE=debian:bookworm-slim

# No docs, man pages, translations or package cache in any layer, whatever the
# base (a base made with debootstrap lacks the official image's settings).
FROM ${BASE} AS slim-base
COPY rootfs/common/ /

# Real ZooKeeper from Debian's package, on the headless JRE: the package asks for
# default-jre (GTK, X11, icon themes), so a local stand-in package provides that
# name and depends on default-jre-headless instead. man1 must exist for the JRE's
# alternatives (a known quirk of slim images).
FROM slim-base AS zookeeper
RUN mkdir -p /usr/share/man/man1 /tmp/jre-shim/DEBIAN \
 && printf '%s\n' 'Package: mesos-up-headless-jre' 'Version: 1.0' 'Architecture: all' 'Maintainer: mesos-up' \
      'Provides: default-jre' 'Depends: default-jre-headless' 'Description: default-jre for ZooKeeper, headless' \
      > /tmp/jre-shim/DEBIAN/control \
 && dpkg-deb --build /tmp/jre-shim /tmp/jre-shim.deb >/dev/null \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/jre-shim.deb zookeeper netcat-openbsd \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /tmp/jre-shim /tmp/jre-shim.deb
COPY rootfs/zookeeper/ /
RUN /usr/local/bin/zookeeper-cds-archive
EXPOSE 2181
ENTRYPOINT ["/usr/local/bin/zookeeper-entrypoint"]
