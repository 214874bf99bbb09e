// What DBeaver, DataGrip and every pgjdbc tool read first, against
// mirrordb: DatabaseMetaData getTables, getColumns, getPrimaryKeys,
// getIndexInfo, getImportedKeys and getTypeInfo, answered from mirrordb's
// pg_catalog (engine/pgcatalog) through pgjdbc's own queries (derived
// tables, window functions, JOIN ... USING, set-returning functions,
// information_schema._pg_expandarray, TRIM(BOTH .. FROM ..)). Prints "ok
// <step>" per step; any failure exits non-zero. Run as a single-file
// program (java -cp postgresql.jar Metadata.java); MIRRORDB_JDBC_URL is
// the URL.
import java.sql.*;
import java.util.ArrayList;
import java.util.List;

public class Metadata {
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = System.getenv("MIRRORDB_JDBC_URL");
        try (Connection c = DriverManager.getConnection(url, "app", "")) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE jdbc_meta (id int PRIMARY KEY, name nvarchar(50) NOT NULL, price decimal(10,2))");
            }
            DatabaseMetaData md = c.getMetaData();

            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, "dbo", "jdbc%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
            }
            check(tables.contains("dbo.jdbc_meta:TABLE"), "getTables " + tables);
            System.out.println("ok tables");

            List<String> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, "dbo", "jdbc_meta", "%")) {
                while (rs.next()) {
                    columns.add(rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME")
                            + ":" + rs.getInt("NULLABLE"));
                }
            }
            check(columns.equals(List.of("1:id:int4:0", "2:name:varchar:0", "3:price:numeric:1")), "getColumns " + columns);
            System.out.println("ok columns");

            List<String> keys = new ArrayList<>();
            try (ResultSet rs = md.getPrimaryKeys(null, "dbo", "jdbc_meta")) {
                while (rs.next()) {
                    keys.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("KEY_SEQ") + ":" + rs.getString("PK_NAME").startsWith("PK__jdbc_me"));
                }
            }
            check(keys.equals(List.of("id:1:true")), "getPrimaryKeys " + keys);
            System.out.println("ok primarykeys");

            try (Statement st = c.createStatement()) {
                st.execute("CREATE INDEX ix_jdbc_name ON jdbc_meta (name DESC, price)");
            }
            List<String> indexes = new ArrayList<>();
            try (ResultSet rs = md.getIndexInfo(null, "dbo", "jdbc_meta", false, false)) {
                while (rs.next()) {
                    indexes.add(rs.getString("INDEX_NAME") + ":" + rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME")
                            + ":" + rs.getString("ASC_OR_DESC") + ":" + rs.getBoolean("NON_UNIQUE"));
                }
            }
            check(indexes.size() == 3 && indexes.get(0).endsWith(":1:id:A:false")
                    && indexes.get(1).equals("ix_jdbc_name:1:name:D:true") && indexes.get(2).equals("ix_jdbc_name:2:price:A:true"),
                    "getIndexInfo " + indexes);
            System.out.println("ok indexinfo");

            // No foreign keys yet (the constraints work adds them): an
            // empty answer from pgjdbc's own query.
            try (ResultSet rs = md.getImportedKeys(null, "dbo", "jdbc_meta")) {
                check(!rs.next(), "getImportedKeys found a key");
            }
            System.out.println("ok importedkeys");

            List<String> typeNames = new ArrayList<>();
            try (ResultSet rs = md.getTypeInfo()) {
                while (rs.next()) {
                    typeNames.add(rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE"));
                }
            }
            check(typeNames.contains("int4:" + Types.INTEGER) && typeNames.contains("varchar:" + Types.VARCHAR), "getTypeInfo " + typeNames);
            System.out.println("ok typeinfo");
        }
    }
}
