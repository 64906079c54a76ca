/*
 * conv_semconv.c: the built-in upgrades from deprecated attribute keys to
 * the current OpenTelemetry semantic conventions, following the
 * conventions' deprecated-attribute registry (its "renamed_to" entries and
 * the notes of the others). Keys whose note says "removed, no replacement"
 * are left alone: nothing current says what they become.
 */
#include "conv_rules.h"

static const conv_value_map net_transport[] = {
    {"ip_tcp", "tcp"},
    {"ip_udp", "udp"},
    {NULL, NULL},
};

static const conv_value_map http_flavor[] = {
    {"2.0", "2"},
    {"3.0", "3"},
    {NULL, NULL},
};

static const conv_value_map messaging_operation[] = {
    {"publish", "send"},
    {"deliver", "process"},
    {NULL, NULL},
};

/* db.system values renamed with the move to db.system.name. */
static const conv_value_map db_system[] = {
    {"adabas", "softwareag.adabas"},
    {"cache", "intersystems.cache"},
    {"intersystems_cache", "intersystems.cache"},
    {"cloudscape", "other_sql"},
    {"firstsql", "other_sql"},
    {"mssqlcompact", "other_sql"},
    {"cosmosdb", "azure.cosmosdb"},
    {"db2", "ibm.db2"},
    {"dynamodb", "aws.dynamodb"},
    {"firebird", "firebirdsql"},
    {"h2", "h2database"},
    {"hanadb", "sap.hana"},
    {"informix", "ibm.informix"},
    {"ingres", "actian.ingres"},
    {"maxdb", "sap.maxdb"},
    {"mssql", "microsoft.sql_server"},
    {"netezza", "ibm.netezza"},
    {"oracle", "oracle.db"},
    {"redshift", "aws.redshift"},
    {"spanner", "gcp.spanner"},
    {NULL, NULL},
};

#define PLAIN(f, t) {f, RN_PLAIN, t, NULL, NULL, 0}
#define MAPPED(f, t, m) {f, RN_PLAIN, t, NULL, m, 0}

const conv_semconv conv_semconv_table[] = {
    /* HTTP */
    PLAIN("http.method", "http.request.method"),
    PLAIN("http.status_code", "http.response.status_code"),
    PLAIN("http.url", "url.full"),
    {"http.target", RN_SPLIT_TARGET, "url.path", "url.query", NULL, 0},
    PLAIN("http.scheme", "url.scheme"),
    PLAIN("http.user_agent", "user_agent.original"),
    PLAIN("http.client_ip", "client.address"),
    PLAIN("http.server_name", "server.address"),
    {"http.request_content_length", RN_HEADER, "http.request.header.content-length", NULL, NULL,
     0},
    {"http.response_content_length", RN_HEADER, "http.response.header.content-length", NULL,
     NULL, 0},
    PLAIN("http.request_content_length_uncompressed", "http.request.body.size"),
    PLAIN("http.response_content_length_uncompressed", "http.response.body.size"),
    MAPPED("http.flavor", "network.protocol.version", http_flavor),
    /* network */
    {"net.peer.name", RN_BY_KIND, "server.address", "client.address", NULL, 0},
    {"net.peer.port", RN_BY_KIND, "server.port", "client.port", NULL, 0},
    PLAIN("net.peer.ip", "network.peer.address"),
    PLAIN("net.host.name", "server.address"),
    PLAIN("net.host.port", "server.port"),
    PLAIN("net.host.ip", "network.local.address"),
    PLAIN("net.sock.peer.addr", "network.peer.address"),
    PLAIN("net.sock.peer.port", "network.peer.port"),
    PLAIN("net.sock.host.addr", "network.local.address"),
    PLAIN("net.sock.host.port", "network.local.port"),
    MAPPED("net.transport", "network.transport", net_transport),
    PLAIN("net.protocol.name", "network.protocol.name"),
    PLAIN("net.protocol.version", "network.protocol.version"),
    /* databases */
    PLAIN("db.statement", "db.query.text"),
    PLAIN("db.operation", "db.operation.name"),
    PLAIN("db.name", "db.namespace"),
    PLAIN("db.sql.table", "db.collection.name"),
    PLAIN("db.cassandra.table", "db.collection.name"),
    PLAIN("db.mongodb.collection", "db.collection.name"),
    PLAIN("db.cosmosdb.container", "db.collection.name"),
    PLAIN("db.elasticsearch.cluster.name", "db.namespace"),
    {"db.redis.database_index", RN_TO_STRING, "db.namespace", NULL, NULL, 0},
    MAPPED("db.system", "db.system.name", db_system),
    /* messaging (messaging.destination.name is current and stays) */
    MAPPED("messaging.operation", "messaging.operation.type", messaging_operation),
    PLAIN("messaging.client_id", "messaging.client.id"),
    PLAIN("messaging.kafka.consumer.group", "messaging.consumer.group.name"),
    PLAIN("messaging.eventhubs.consumer.group", "messaging.consumer.group.name"),
    PLAIN("messaging.kafka.message.offset", "messaging.kafka.offset"),
    {"messaging.kafka.destination.partition", RN_TO_STRING, "messaging.destination.partition.id",
     NULL, NULL, 0},
    PLAIN("messaging.servicebus.destination.subscription_name",
          "messaging.destination.subscription.name"),
    /* RPC */
    PLAIN("rpc.system", "rpc.system.name"),
    {"rpc.grpc.status_code", RN_GRPC_CODE, "rpc.status_code", NULL, NULL, 0},
    {"rpc.jsonrpc.error_code", RN_TO_STRING, "rpc.status_code", NULL, NULL, 0},
    PLAIN("rpc.connect_rpc.error_code", "rpc.status_code"),
    PLAIN("rpc.response.status_code", "rpc.status_code"),
    PLAIN("rpc.jsonrpc.request_id", "jsonrpc.request.id"),
    PLAIN("rpc.jsonrpc.version", "jsonrpc.protocol.version"),
    {"rpc.service", RN_QUALIFY, "rpc.method", NULL, NULL, '/'},
    /* code */
    PLAIN("code.function", "code.function.name"),
    {"code.namespace", RN_QUALIFY, "code.function.name", NULL, NULL, '.'},
    PLAIN("code.filepath", "code.file.path"),
    PLAIN("code.lineno", "code.line.number"),
    PLAIN("code.column", "code.column.number"),
    /* others */
    PLAIN("peer.service", "service.peer.name"),
    PLAIN("otel.library.name", "otel.scope.name"),
    PLAIN("otel.library.version", "otel.scope.version"),
    {NULL, RN_NONE, NULL, NULL, NULL, 0},
};
