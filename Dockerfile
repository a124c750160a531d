# Parley node image. Build (no container engine on the dev machines, so this is not built in CI):
#   docker build -t parley/parley:0.1.0-SNAPSHOT .
# Run:   docker run --rm -p 8080:8080 -p 9000:9000 -e PARLEY_GATEWAY_HOST=0.0.0.0 parley/parley:0.1.0-SNAPSHOT node
# k8s/ runs it read-only, as uid 10001, with /var/lib/parley and /tmp mounted (k8s/README.md).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# dependencies land in a cache mount when BuildKit is on; the wrapper pins the Maven version of the repo
RUN --mount=type=cache,target=/root/.m2 \
    chmod +x mvnw && ./mvnw -B -DskipTests package -pl verticles -am \
    && cp verticles/target/parley-verticles-0.1.0-SNAPSHOT-all.jar /parley.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 parley \
    && useradd --system --uid 10001 --gid parley --home-dir /var/lib/parley --shell /usr/sbin/nologin parley \
    && mkdir -p /var/lib/parley /etc/parley \
    && chown parley:parley /var/lib/parley
COPY --from=build /parley.jar /opt/parley/parley-verticles-0.1.0-SNAPSHOT-all.jar
COPY conf/node.yaml /etc/parley/node.yaml
WORKDIR /var/lib/parley
USER 10001:10001
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -Djava.io.tmpdir=/tmp -Dvertx.cacheDirBase=/tmp/vertx-cache"
# gateway (HTTP: /health /ready /metrics, client API), peer links (TLS), Hazelcast member port (clustered)
EXPOSE 8080 9000 5701
VOLUME ["/var/lib/parley"]
ENTRYPOINT ["java", "-jar", "/opt/parley/parley-verticles-0.1.0-SNAPSHOT-all.jar"]
CMD ["node", "--config", "/etc/parley/node.yaml", "--data-dir", "/var/lib/parley"]
