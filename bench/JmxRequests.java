// The broker's request counts and socket bytes from its JMX, for
// bench/crowd.py: one line per number, "NAME VALUE".
//
//   java bench/JmxRequests.java HOST:PORT
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public class JmxRequests {
    public static void main(String[] args) throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + args[0] + "/jmxrmi");
        try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection mbs = connector.getMBeanServerConnection();
            Set<ObjectName> requests = mbs.queryNames(
                new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null);
            for (ObjectName n : requests) {
                String request = n.getKeyProperty("request");
                String version = n.getKeyProperty("version");
                Object count = mbs.getAttribute(n, "Count");
                System.out.println("requests." + request + (version == null ? "" : ".v" + version)
                                   + " " + count);
            }
            Set<ObjectName> sockets = mbs.queryNames(
                new ObjectName("kafka.server:type=socket-server-metrics,*"), null);
            for (ObjectName n : sockets) {
                if (n.getKeyProperty("networkProcessor") == null)
                    continue;
                for (String attr : new String[] {"incoming-byte-total", "outgoing-byte-total"}) {
                    try {
                        Object v = mbs.getAttribute(n, attr);
                        System.out.println("bytes." + attr + "." + n.getKeyProperty("listener") + "."
                                           + n.getKeyProperty("networkProcessor") + " " + v);
                    } catch (Exception e) {
                        // not every processor has every attribute
                    }
                }
            }
        }
    }
}
