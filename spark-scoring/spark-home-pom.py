#!/usr/bin/env python3
"""Writes a throw-away pom holding only spark-sql, at spark-scoring's Spark version and with its dependency pins.

Its classpath is what a Spark distribution's jars/ folder holds (the shaded job jar leaves those libraries out and
relies on them). Used by cluster-test.sh:  spark-home-pom.py spark-scoring/pom.xml OUT.pom.xml
"""
import re
import sys

pom = open(sys.argv[1]).read()


def prop(k):
    return re.search(r"<%s>([^<]+)</%s>" % (k, k), pom).group(1)


managed = re.search(r"<dependencyManagement>\s*<dependencies>(.*?)</dependencies>\s*</dependencyManagement>",
                    pom, re.S).group(1)
open(sys.argv[2], "w").write("""<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local</groupId><artifactId>spark-home</artifactId><version>1</version>
<properties><jackson.version>%s</jackson.version></properties>
<dependencyManagement><dependencies>%s
<dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>%s</version></dependency>
</dependencies></dependencyManagement>
<dependencies><dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_%s</artifactId>
<version>%s</version></dependency></dependencies>
<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>
<version>3.8.1</version></plugin></plugins></build>
</project>
""" % (prop("jackson.version"), managed, prop("slf4j.version"), prop("scala.binary.version"), prop("spark.version")))
