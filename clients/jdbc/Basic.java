// What a pgjdbc user does first, against mirrordb: connect, a transaction
// with a savepoint, PreparedStatement parameters of the common types, a
// batch, COPY through CopyManager, errors with their SQLSTATE, and a
// multi-host URL that finds the
// principal (targetServerType=primary). Prints "ok <step>" per step; any
// failure exits non-zero. Run as a single-file program (java -cp
// postgresql.jar Basic.java); MIRRORDB_JDBC_URL is the URL.
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.sql.*;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import java.util.Arrays;
import java.util.UUID;

public class Basic {
    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = System.getenv("MIRRORDB_JDBC_URL");
        try (Connection c = DriverManager.getConnection(url, "app", "")) {
            check(c.getMetaData().getDatabaseProductName().equals("PostgreSQL"), "product name");
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@VERSION")) {
                check(rs.next() && rs.getString(1).contains("mirrordb"), "@@VERSION");
            }
            System.out.println("ok connect");

            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE jdbc_items (id int PRIMARY KEY, name nvarchar(50) NOT NULL, price decimal(10,2), added datetime2, data varbinary(16), ref uniqueidentifier, big bigint)");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_items (id, name) VALUES (?, ?)")) {
                ins.setInt(1, 1);
                ins.setString(2, "kept");
                ins.executeUpdate();
                Savepoint sp = c.setSavepoint("s1");
                ins.setInt(1, 2);
                ins.setString(2, "undone");
                ins.executeUpdate();
                c.rollback(sp);
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM jdbc_items")) {
                check(rs.next() && rs.getInt(1) == 1, "the savepoint's insert was rolled back");
            }
            System.out.println("ok savepoint");

            Timestamp when = Timestamp.valueOf("2024-01-02 03:04:05.678");
            UUID ref = UUID.fromString("6f9619ff-8b86-d011-b42d-00c04fc964ff");
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ins.setInt(1, 3);
                ins.setString(2, "ünïcode ☃");
                ins.setBigDecimal(3, new BigDecimal("12.50"));
                ins.setTimestamp(4, when);
                ins.setBytes(5, new byte[] {1, 2, (byte) 255});
                ins.setString(6, ref.toString());
                ins.setLong(7, 9007199254740993L);
                ins.executeUpdate();
            }
            try (PreparedStatement q = c.prepareStatement("SELECT name, price, added, data, ref, big FROM jdbc_items WHERE id = ?")) {
                q.setInt(1, 3);
                try (ResultSet rs = q.executeQuery()) {
                    check(rs.next(), "row 3");
                    check(rs.getString(1).equals("ünïcode ☃"), "nvarchar: " + rs.getString(1));
                    check(rs.getBigDecimal(2).equals(new BigDecimal("12.50")), "decimal: " + rs.getBigDecimal(2));
                    check(rs.getTimestamp(3).equals(when), "datetime2: " + rs.getTimestamp(3));
                    check(Arrays.equals(rs.getBytes(4), new byte[] {1, 2, (byte) 255}), "varbinary");
                    check(rs.getString(5).equalsIgnoreCase(ref.toString()), "uniqueidentifier: " + rs.getString(5));
                    check(rs.getLong(6) == 9007199254740993L, "bigint: " + rs.getLong(6));
                }
            }
            System.out.println("ok parameters");

            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_items (id, name) VALUES (?, ?)")) {
                for (int i = 10; i < 110; i++) {
                    ins.setInt(1, i);
                    ins.setString(2, "item " + i);
                    ins.addBatch();
                }
                int[] counts = ins.executeBatch();
                check(counts.length == 100 && Arrays.stream(counts).allMatch(n -> n == 1), "batch counts " + Arrays.toString(counts));
            }
            System.out.println("ok batch");

            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            StringBuilder csv = new StringBuilder();
            for (int i = 200; i < 1200; i++) {
                csv.append(i).append(",\"copied, ").append(i).append("\"\n");
            }
            long loaded = copy.copyIn("COPY jdbc_items (id, name) FROM STDIN WITH (FORMAT csv)", new StringReader(csv.toString()));
            check(loaded == 1000, "COPY FROM STDIN loaded " + loaded);
            StringWriter out = new StringWriter();
            copy.copyOut("COPY (SELECT id, name FROM jdbc_items WHERE id IN (200, 201) ORDER BY id) TO STDOUT WITH (FORMAT csv)", out);
            check(out.toString().equals("200,\"copied, 200\"\n201,\"copied, 201\"\n"), "COPY TO STDOUT gave " + out);
            try {
                copy.copyIn("COPY jdbc_items (id, name) FROM STDIN WITH (FORMAT csv)", new StringReader("5000,fine\n1,duplicate\n"));
                check(false, "a load with a duplicate key was accepted");
            } catch (SQLException e) {
                check("23505".equals(e.getSQLState()), "COPY duplicate key SQLSTATE " + e.getSQLState());
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM jdbc_items WHERE id >= 200")) {
                check(rs.next() && rs.getInt(1) == 1000, "rows after the failed COPY");
                st.execute("DELETE FROM jdbc_items WHERE id >= 200");
            }
            System.out.println("ok copy");

            try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_items (id, name) VALUES (?, ?)")) {
                ins.setInt(1, 1);
                ins.setString(2, "again");
                ins.executeUpdate();
                check(false, "a duplicate key was accepted");
            } catch (SQLException e) {
                check("23505".equals(e.getSQLState()), "duplicate key SQLSTATE " + e.getSQLState());
            }
            try (Statement st = c.createStatement()) {
                st.execute("SELEC 1");
                check(false, "a syntax error was accepted");
            } catch (SQLException e) {
                check("42601".equals(e.getSQLState()), "syntax error SQLSTATE " + e.getSQLState());
            }
            System.out.println("ok errors");
        }

        String multi = System.getenv("MIRRORDB_JDBC_MULTIHOST_URL");
        if (multi != null) {
            try (Connection c = DriverManager.getConnection(multi, "app", "");
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@SERVERNAME")) {
                check(rs.next(), "@@SERVERNAME");
                System.out.println("ok multihost " + rs.getString(1));
            }
        }
    }
}
