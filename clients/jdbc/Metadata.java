// What DBeaver, DataGrip and every pgjdbc tool read first, against
// mirrordb: DatabaseMetaData.getTables, getColumns and getTypeInfo,
// answered from mirrordb's pg_catalog (engine/pgcatalog) through pgjdbc's
// own queries (derived tables, window functions, JOIN ... USING,
// generate_series(...) AS s(r)). Not yet: getPrimaryKeys and getIndexInfo
// (information_schema._pg_expandarray, a composite-returning function in a
// select list).
// Prints "ok <step>" per step; any failure exits non-zero. Run as a
// single-file program (java -cp postgresql.jar Metadata.java);
// MIRRORDB_JDBC_URL is the URL.
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
