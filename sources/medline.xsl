<?xml version="1.0" encoding="UTF-8"?>
<!--
  What `corpus.sources.lissa` reads of each MedlineCitation, as text it splits cheaply: seven
  lines a citation. Every value passes normalize-space, so it holds no tab, CR or LF, which
  are therefore free to separate values (TAB before each list item, CR inside an item).
    1  PMID TAB A-if-it-has-an-Article TAB title TAB vernacular title TAB journal TAB year TAB MedlineDate
    2  article languages
    3  abstract sections: label CR text
    4  publication types
    5  other abstracts: language (CR label CR text)...
    6  MeSH headings: *-if-major CR descriptor (CR qualifier)...
    7  keywords
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>

<!-- MedlineCitationSet/MedlineCitation, PubmedArticleSet/PubmedArticle/MedlineCitation, or
     one citation on its own; a walk of every node (//) cost a tenth of the transform -->
<xsl:template match="/">
  <xsl:apply-templates select="/MedlineCitation | /*/MedlineCitation | /*/*/MedlineCitation"/>
</xsl:template>

<xsl:template match="MedlineCitation">
  <xsl:variable name="article" select="Article[1]"/>
  <xsl:variable name="date" select="$article/Journal[1]/JournalIssue[1]/PubDate[1]"/>
  <xsl:value-of select="normalize-space(PMID[1])"/>
  <xsl:text>&#9;</xsl:text><xsl:if test="$article">A</xsl:if>
  <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space($article/ArticleTitle[1])"/>
  <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space($article/VernacularTitle[1])"/>
  <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space($article/Journal[1]/Title[1])"/>
  <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space($date/Year[1])"/>
  <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space($date/MedlineDate[1])"/>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="$article/Language">
    <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space(.)"/>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="$article/Abstract[1]/AbstractText">
    <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space(@Label)"/>
    <xsl:text>&#13;</xsl:text><xsl:value-of select="normalize-space(.)"/>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="$article/PublicationTypeList/PublicationType">
    <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space(.)"/>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="OtherAbstract">
    <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space(@Language)"/>
    <xsl:for-each select="AbstractText">
      <xsl:text>&#13;</xsl:text><xsl:value-of select="normalize-space(@Label)"/>
      <xsl:text>&#13;</xsl:text><xsl:value-of select="normalize-space(.)"/>
    </xsl:for-each>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="MeshHeadingList[1]/MeshHeading[DescriptorName]">
    <xsl:text>&#9;</xsl:text>
    <xsl:if test="DescriptorName[1]/@MajorTopicYN = 'Y' or QualifierName/@MajorTopicYN = 'Y'">*</xsl:if>
    <xsl:text>&#13;</xsl:text><xsl:value-of select="normalize-space(DescriptorName[1])"/>
    <xsl:for-each select="QualifierName">
      <xsl:text>&#13;</xsl:text><xsl:value-of select="normalize-space(.)"/>
    </xsl:for-each>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
  <xsl:for-each select="KeywordList/Keyword">
    <xsl:text>&#9;</xsl:text><xsl:value-of select="normalize-space(.)"/>
  </xsl:for-each>
  <xsl:text>&#10;</xsl:text>
</xsl:template>
</xsl:stylesheet>
